"""Sign-in, sign-out, the forced password change (DIR-01) and the start page."""
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from users_app.permissions import admin_roles_of, directory_user_of
from users_app.provisioning import portal_access
from users_app.services.directory import directory_user_set_password


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "User name"
        self.fields["username"].widget.attrs.update(placeholder="someone@contoso.onmicrosoft.com", autocomplete="username")


signin = login_not_required(auth_views.LoginView.as_view(
    template_name="registration/signin.html", authentication_form=SignInForm, redirect_authenticated_user=True))
signout = auth_views.LogoutView.as_view()


@require_http_methods(["GET", "POST"])
def password_change(request):
    """DIR-01: a temporary password must be changed at first sign-in."""
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = directory_user_of(request)
        if user is not None:
            directory_user_set_password(user=user, password=form.cleaned_data["new_password1"])
            request.user.refresh_from_db()
        else:
            form.save()
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password is changed.")
        return redirect("home")
    return render(request, "registration/password_change.html", {"form": form, "title": "Change your password"})


@require_GET
def home(request):
    """Admins start at Environments, Microsoft 365 admins at Active users, everyone else at My environments."""
    if directory_user_of(request) is None:
        return redirect("admin:index") if request.user.is_staff else redirect("apps:my_environment_list")
    roles = admin_roles_of(request)
    if portal_access.missing_tenant_pp_role(roles) is None:
        return redirect("environments:environment_list")
    if portal_access.missing_m365_role(roles) is None:
        return redirect("m365:active_user_list")
    return redirect("apps:my_environment_list")
