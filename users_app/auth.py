"""Portal sign-in: a portal login is a directory user with a password (DIR-01)."""
from django.contrib.auth.backends import ModelBackend


class DirectoryUserBackend(ModelBackend):
    """Signs in by user name (UPN, any case). Blocked or deleted directory users cannot sign in;
    a Django superuser without a directory user signs in too, but only /admin/ lets it in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        directory_user = getattr(user, "directory_user", None)
        if directory_user is None:
            return True
        return directory_user.account_enabled and not directory_user.deleted_state
