"""Forms of the sign-in pages: the sign-in itself (a blocked account told so once the password is
right) and the password change, the signed-in user's own or DIR-01's forced one."""
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

# Entra ID's words for a disabled account (AADSTS50057), shown only once the password is right.
BLOCKED_MESSAGE = "Your account has been locked. Contact your support person to unlock it, then try again."


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "User name"
        self.fields["username"].widget.attrs.update(placeholder="someone@contoso.onmicrosoft.com", autocomplete="username")

    @sensitive_variables()
    def clean(self):
        """a blocked user with the right password is told the account is blocked
        (users_app.auth.DirectoryUserBackend marks the request); every other failure gets the one
        generic error, so no answer tells whether a user name exists."""
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "signin_blocked", False):
                raise ValidationError(BLOCKED_MESSAGE, code="account_disabled") from None
            raise


class _NotTheCurrentPassword:
    """A new password that is the current one changes nothing: refuse it."""

    same_message = "Your new password must be different from your current password."

    @sensitive_variables("password")
    def clean_new_password1(self):
        password = self.cleaned_data["new_password1"]
        if self._is_current(password):
            raise ValidationError(self.same_message, code="password_unchanged")
        return password


class ChangePasswordForm(_NotTheCurrentPassword, PasswordChangeForm):
    """A signed-in user's own change: the current password first."""

    old_password = forms.CharField(label="Current password", strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                     "autofocus": True}))

    def _is_current(self, password: str) -> bool:
        old = self.cleaned_data.get("old_password")
        return old is not None and password == old


class TemporaryPasswordChangeForm(_NotTheCurrentPassword, SetPasswordForm):
    """DIR-01's forced change after a temporary password: the user just typed the temporary one to
    sign in, so it is not asked again; the new one must differ from it."""

    same_message = "Your new password must be different from your temporary password."

    def _is_current(self, password: str) -> bool:
        return self.user.check_password(password)
