"""Deployment hardening that Django's settings alone do not give: a cap on the whole request
body, sessions that end after a time without requests and after a working day, and a
Permissions-Policy header."""
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse


class RequestBodyLimitMiddleware:
    """Answers 413 to a request whose declared body is over REQUEST_BODY_MAX_BYTES, before any
    part of it is read. DATA_UPLOAD_MAX_MEMORY_SIZE counts only form fields and leaves uploaded
    files to be streamed to disk; this bounds the whole body, files included, for every URL (the
    CSRF check would otherwise parse a large multipart body before refusing it). WSGI servers hand
    Django no body beyond CONTENT_LENGTH, so the declared length is the body read. First in
    MIDDLEWARE: nothing before it touches request.POST or request.body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_BODY_MAX_BYTES
        if limit is not None and length > limit:
            response = HttpResponse(
                f"Request too large: the portal takes at most {limit // (1024 * 1024)} MB in one request.\n",
                status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"  # the unread body is not to be taken as the next request
            return response
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Ends a signed-in session after SESSION_IDLE_TIMEOUT seconds without a request, and in any
    case SESSION_COOKIE_AGE seconds after sign-in.

    Django alone gives one of the two: SESSION_COOKIE_AGE counts from the session's last save, so
    saving on every request (SESSION_SAVE_EVERY_REQUEST) makes it an idle timeout with no upper
    bound, and not saving makes it an absolute age that any change to the session (a message, a
    sign-in) pushes back. So the session keeps when it started and when it was last used (seconds
    since the epoch); the last use is written at most once a minute, not a database write per
    request, which makes the idle timeout exact to a minute. An ended session is flushed before
    AuthenticationMiddleware reads it: the request goes on as anonymous, and the sign-in page
    (LoginRequiredMiddleware) asks for the password again, with `next` back to the page."""

    STARTED, SEEN = "portal_session_started", "portal_session_seen"
    SEEN_RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            started, seen = session.get(self.STARTED), session.get(self.SEEN)
            if not isinstance(started, int) or not isinstance(seen, int):
                session[self.STARTED] = session[self.SEEN] = now  # the first request after sign-in
            elif now - seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_COOKIE_AGE:
                session.flush()
            elif now - seen >= self.SEEN_RESOLUTION:
                session[self.SEEN] = now
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header (PERMISSIONS_POLICY): the portal uses no camera,
    microphone, location, payment or sensor, so no page, nor anything injected into one, may."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response
