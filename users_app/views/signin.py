"""Sign-in, sign-out, the lockout page, the password change (DIR-01's forced one included) and the
start page."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from users_app.passwords import for_validation
from users_app.permissions import admin_roles_of, directory_user_of
from users_app.provisioning import portal_access
from users_app.services.directory import directory_user_set_password
from users_app.services.lockout import LOCKED_MESSAGE

# Entra ID's words for a disabled account (AADSTS50057), shown only once the password is right.
BLOCKED_MESSAGE = "Your account has been locked. Contact your support person to unlock it, then try again."


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "User name"
        self.fields["username"].widget.attrs.update(placeholder="someone@contoso.onmicrosoft.com", autocomplete="username")

    @sensitive_variables()
    def clean(self):
        """UX review B19: a blocked user with the right password is told the account is blocked
        (users_app.auth.DirectoryUserBackend marks the request); every other failure gets the one
        generic error, so no answer tells whether a user name exists."""
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "signin_blocked", False):
                raise ValidationError(BLOCKED_MESSAGE, code="account_disabled") from None
            raise


signin = login_not_required(auth_views.LoginView.as_view(
    template_name="registration/signin.html", authentication_form=SignInForm, redirect_authenticated_user=True))
signout = auth_views.LogoutView.as_view()


def locked_out(request, original_response=None, credentials=None):
    """What a locked-out sign-in gets (settings.AXES_LOCKOUT_CALLABLE), on /signin/ and on
    /admin/login/: 429, the same page whatever the user name (it is not echoed)."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60) if isinstance(settings.AXES_COOLOFF_TIME, (int, float)) else None
    response = render(request, "registration/locked.html",
                      {"title": "Sign-in locked", "message": LOCKED_MESSAGE, "minutes": minutes}, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    add_never_cache_headers(response)
    return response


class _NotTheCurrentPassword:
    """A new password that is the current one changes nothing (finding 12): refuse it."""

    same_message = "Your new password must be different from your current password."

    @sensitive_variables("password")
    def clean_new_password1(self):
        password = self.cleaned_data["new_password1"]
        if self._is_current(password):
            raise ValidationError(self.same_message, code="password_unchanged")
        return password


class ChangePasswordForm(_NotTheCurrentPassword, PasswordChangeForm):
    """A signed-in user's own change: the current password first (finding 7)."""

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


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change your password: the current one is asked, except in DIR-01's forced change.
    Django's validators apply (settings.AUTH_PASSWORD_VALIDATORS: the UPN and display name too).
    The user's other sessions end; this one stays signed in."""
    user = directory_user_of(request)
    forced = user is not None and user.must_change_password
    account = for_validation(request.user, user)
    form_class = TemporaryPasswordChangeForm if forced else ChangePasswordForm
    form = form_class(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if user is not None:
            directory_user_set_password(user=user, password=form.cleaned_data["new_password1"])
            request.user.refresh_from_db()
        else:
            form.save()
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password is changed.")
        return redirect("home")
    return render(request, "registration/password_change.html",
                  {"form": form, "forced": forced, "title": "Change your password"})


@require_GET
def home(request):
    """Admins start at Environments, Microsoft 365 admins at Active users, everyone else at My environments."""
    if directory_user_of(request) is None:
        return redirect("admin:index") if request.user.is_staff else redirect("my_environments:my_environment_list")
    roles = admin_roles_of(request)
    if portal_access.missing_tenant_pp_role(roles) is None:
        return redirect("environments:environment_list")
    if portal_access.missing_m365_role(roles) is None:
        return redirect("m365:active_user_list")
    return redirect("my_environments:my_environment_list")
