"""An environment's structure screens, one module per screen: teams, security roles, business
units, sync history and the Account records (ROLE-05). users_app/urls/structure.py mounts them."""
