"""The Power Platform admin API (BAP) subset."""
