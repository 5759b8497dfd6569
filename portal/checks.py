"""Deploy checks of the portal's own production set-up (`manage.py check --deploy`)."""
import os
import stat

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.mail import DEFAULT_MAILER_ALIAS

OUTBOX_BACKEND = "portal.mail.OutboxBackend"


@register(Tags.mail, deploy=True)
def check_outbox(app_configs, **kwargs):
    """The outbox folder, when the outbox delivers the mail: it must be writable (else a
    temporary password is lost at the first Add user) and kept from other local users (the
    messages hold temporary passwords)."""
    mailer = (getattr(settings, "MAILERS", None) or {}).get(DEFAULT_MAILER_ALIAS) or {}
    if mailer.get("BACKEND") != OUTBOX_BACKEND:
        return []
    path = (mailer.get("OPTIONS") or {}).get("file_path")
    if not path:
        return [Error("The outbox has no folder.", hint="Set EMAIL_FILE_PATH to the outbox folder.",
                      id="portal.E001")]
    path = os.path.abspath(path)
    if not os.path.exists(path):
        parent = os.path.dirname(path)
        while parent and not os.path.exists(parent):
            parent = os.path.dirname(parent)
        if not os.access(parent, os.W_OK):
            return [Error(f"The outbox folder {path} does not exist and cannot be made.",
                          hint="Create it, writable by the portal's user, or point EMAIL_FILE_PATH elsewhere.",
                          id="portal.E001")]
        return []  # made, readable by its owner only, by the first message
    if not os.path.isdir(path) or not os.access(path, os.W_OK):
        return [Error(f"The outbox folder {path} is not a folder the portal can write to.",
                      hint="Make it writable by the portal's user, or point EMAIL_FILE_PATH elsewhere.",
                      id="portal.E001")]
    if os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [Warning(f"The outbox folder {path} is open to other users: its messages hold temporary passwords.",
                        hint=f"chmod 700 {path}", id="portal.W001")]
    return []
