"""API keys for integrations: ``Authorization: Bearer ak_…``, a scope per operation, a rate per key."""

from __future__ import annotations

import math

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.views import APIView

from core.api_params import KnownQueryParams
from core.api_schema import RATE_LIMIT_HEADERS
from core.redis_outage import RedisUnavailable
from integrations.models import ApiKey
from integrations.services import api_key_for


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme != self.keyword or not raw.startswith("ak_"):
            return None
        key = api_key_for(raw.strip())
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.", code="bad_api_key")
        return key, key

    def authenticate_header(self, request):
        return self.keyword  # makes DRF answer 401 (with WWW-Authenticate), not 403, without a key


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An integration's API key (ak_…)."}


class HasScope(permissions.BasePermission):
    """The view's ``required_scope`` must be one of the key's scopes (403 otherwise); a tuple of scopes names
    alternatives, any one of which will do."""

    message = "This API key lacks the scope this operation needs."

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return False
        required = view.required_scope
        alternatives = (required,) if isinstance(required, str) else tuple(required)
        if not set(alternatives) & set(request.auth.scopes):
            raise exceptions.PermissionDenied(
                f"This API key lacks the {' or '.join(alternatives)} scope.", code="missing_scope"
            )
        return True


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Each key's own requests-per-minute, counted in Redis (shared by every web process)."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        return f"throttle:api-key:{request.auth.pk}" if isinstance(request.auth, ApiKey) else None

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiKey):
            self.num_requests, self.duration = request.auth.requests_per_minute, 60
        try:
            allowed = super().allow_request(request, view)
        except RedisUnavailable:
            return True  # the rate shares capacity among authenticated keys; it guards no secret
        if self.key is not None:
            request.rate_limit = self.headers()
        return allowed

    def headers(self) -> dict[str, str]:
        """The RateLimit-* headers (IETF draft) of this sliding minute: the oldest request gives its slot
        back when it is a minute old."""
        reset = self.duration - (self.now - self.history[-1]) if self.history else 0
        return {
            "RateLimit-Limit": str(self.num_requests),
            "RateLimit-Remaining": str(max(0, self.num_requests - len(self.history))),
            "RateLimit-Reset": str(max(0, math.ceil(reset))),
        }

    def get_rate(self):
        return "120/min"  # replaced per key in allow_request


class IntegrationSchema(AutoSchema):
    """Every keyed answer carries the key's rate (RateLimit-*), so every integration operation says so."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *RATE_LIMIT_HEADERS]


class IntegrationView(KnownQueryParams, APIView):
    """Base of the integration views (mixed in before APIView or a generic view): API-key auth, scope check,
    per-key rate, only documented query parameters. An APIView itself, so these attributes take APIView's types."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiKeyRateThrottle]
    required_scope: str | tuple[str, ...] = ""
    schema = IntegrationSchema()

    def check_permissions(self, request):
        # The key's request counts (and its answer shows the rate) even when its scope is refused.
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        if not getattr(request, "throttled_once", False):
            request.throttled_once = True
            super().check_throttles(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in getattr(request, "rate_limit", {}).items():
            response[name] = value
        return response
