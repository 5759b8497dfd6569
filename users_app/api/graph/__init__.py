"""Microsoft Graph v1.0 subset: users, licences and deleted items (users.py), groups, directory
roles, role management, applications and service principals (directory.py); the JSON of each
object (objects.py)."""
