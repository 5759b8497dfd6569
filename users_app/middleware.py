from django.shortcuts import redirect
from django.urls import reverse


class ForcePasswordChangeMiddleware:
    """DIR-01: a directory user signed in with a temporary password changes it before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            directory_user = getattr(user, "directory_user", None)
            allowed = (reverse("password_change"), reverse("signout"))
            if directory_user is not None and directory_user.must_change_password and request.path not in allowed \
                    and not request.path.startswith(("/static/", "/admin/")):
                return redirect("password_change")
        return self.get_response(request)
