"""Microsoft Graph v1.0 subset.

- users.py (with users_common.py): users, /me, /organization; users_licences.py: assignLicense,
  licenseDetails, subscribedSkus; users_deleted.py: /directory/deletedItems and restore.
- groups.py: groups, members and owners with $ref, memberOf; roles.py: directoryRoles and
  roleManagement; applications.py: applications and servicePrincipals; directory.py: what those
  three share.
- objects.py: the JSON of each object; urls_users.py and urls_directory.py: the routes.
"""
