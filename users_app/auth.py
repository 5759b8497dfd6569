"""Portal sign-in: a portal login is a directory user with a password (DIR-01).

Two backends, in this order (settings.AUTHENTICATION_BACKENDS): LockoutBackend refuses a locked-out
attempt before any password is checked (django-axes, users_app/services/lockout.py), then
DirectoryUserBackend checks the password."""
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth.backends import ModelBackend

USERNAME_MAX = 255  # axes' AccessAttempt.username


def normalise_username(username: str | None) -> str | None:
    """The user name as the sign-in matches it: stripped, lower-cased (a UPN, any case)."""
    if username is None:
        return None
    return username.strip().lower()


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, for sign-ins that come with a request (every web sign-in form passes
    one). A call from Python code without a request (a command, the test client's login) has no
    address to count and is not a web attempt: it goes on to the password check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            request.lockout_refused = True  # already locked before this attempt (for the log)
            raise


class DirectoryUserBackend(ModelBackend):
    """Signs in by user name (UPN, any case). Blocked or deleted directory users cannot sign in;
    a Django superuser without a directory user signs in too, but only /admin/ lets it in.

    A blocked (not deleted) directory user who gives the right password is told so
    (Entra's AADSTS50057): the backend marks the request (`request.signin_blocked`) and the sign-in
    form says it. A wrong password, an unknown name or a deleted user get the generic error."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        self._blocked = False
        user = super().authenticate(request, username=normalise_username(username), password=password, **kwargs)
        if user is None and self._blocked and request is not None:
            request.signin_blocked = True
        return user

    def user_can_authenticate(self, user) -> bool:
        """Called only once the password is right."""
        directory_user = getattr(user, "directory_user", None)
        if directory_user is None:
            return super().user_can_authenticate(user)
        if directory_user.deleted_state:
            return False
        if not directory_user.account_enabled:
            self._blocked = True
            return False
        return super().user_can_authenticate(user)
