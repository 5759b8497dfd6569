from django.shortcuts import redirect
from django.urls import reverse

from users_app.permissions import actor_of
from users_app.services.audit import acting_as


class ActorMiddleware:
    """Every service call made while handling a request acts as the signed-in user: a directory
    user through the portal (limited by its admin roles), a superuser through /admin/. The audit
    log records it as the actor (users_app.services.audit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(actor_of(request)):
            return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """DIR-01: a directory user signed in with a temporary password changes it before anything
    else, on every URL (/admin/ included: a directory user never gets past its login anyway)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            directory_user = getattr(user, "directory_user", None)
            allowed = (reverse("password_change"), reverse("signout"))
            if directory_user is not None and directory_user.must_change_password and request.path not in allowed \
                    and not request.path.startswith("/static/"):
                return redirect("password_change")
        return self.get_response(request)
