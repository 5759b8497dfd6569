"""The Dataverse Web API v9.2 subset of one environment."""
