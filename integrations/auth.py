"""API keys for integrations: ``Authorization: Bearer ak_…``, a scope per operation, a rate per key."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.views import APIView

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
            return super().allow_request(request, view)
        except RedisUnavailable:
            return True  # the rate shares capacity among authenticated keys; it guards no secret

    def get_rate(self):
        return "120/min"  # replaced per key in allow_request


class IntegrationView(APIView):
    """Base of the integration views (mixed in before APIView or a generic view): API-key auth, scope check,
    per-key rate. An APIView itself, so these attributes take APIView's types."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiKeyRateThrottle]
    required_scope: str | tuple[str, ...] = ""
