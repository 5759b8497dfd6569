"""The Microsoft 365 admin center screens, one module per screen: users (the lists, Add a user and
a user's tabs), user_actions (a user's command bar), groups, licences, roles, app_registrations
and service (Service information); common holds what they share.

Views parse the request, call one selector or service, and render; the rules (DIR-01..DIR-11)
are checked by users_app.services.directory, whose refusals are shown as messages naming the rule."""
