"""Sign-in, sign-out, the lockout page, the password change (DIR-01's forced one included) and the
start page."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from users_app.forms.signin import ChangePasswordForm, SignInForm, TemporaryPasswordChangeForm
from users_app.passwords import for_validation
from users_app.permissions import admin_roles_of, directory_user_of
from users_app.provisioning import portal_access
from users_app.services.directory import directory_user_set_password
from users_app.services.lockout import LOCKED_MESSAGE

signin = login_not_required(auth_views.LoginView.as_view(
    template_name="users_app/signin/signin.html", authentication_form=SignInForm, redirect_authenticated_user=True))
signout = auth_views.LogoutView.as_view()


def locked_out(request, original_response=None, credentials=None):
    """What a locked-out sign-in gets (settings.AXES_LOCKOUT_CALLABLE), on /signin/ and on
    /admin/login/: 429, the same page whatever the user name (it is not echoed)."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60) if isinstance(settings.AXES_COOLOFF_TIME, (int, float)) else None
    response = render(request, "users_app/signin/locked.html",
                      {"title": "Sign-in locked", "message": LOCKED_MESSAGE, "minutes": minutes}, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    add_never_cache_headers(response)
    return response


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
    return render(request, "users_app/signin/password_change.html",
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
