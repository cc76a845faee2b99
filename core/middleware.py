"""Answers for requests that met a Redis outage where carrying on would be unsafe."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.redis_outage import RedisUnavailable

RETRY_AFTER_SECONDS = 30


class RedisUnavailableMiddleware:
    """Sign-in attempts and email changes need their limits and codes in Redis: while it is away they
    answer 503 "paused for a moment" rather than a 500, or a limit that lets every guess through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RedisUnavailable):
            return None
        message = _("Signing in and changing your email are paused for a moment. Please try again in a minute.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "paused", "message": message, "fields": {}}, status=503)
        else:
            response = render(request, "paused.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
