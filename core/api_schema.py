"""What every API operation documents besides its success: the errors it can answer, each with the one error
body and an example, and the headers that come with them. Views say which statuses apply; this says what
they mean, so the schema and the exception handler (core.api) tell the same story."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, version_conflict, …")
    message = serializers.CharField(help_text="For people.")
    # Declared fields leave the class attribute to the serializer's own ``fields``; mypy sees only the name.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each field at fault, by its dotted path (lines.0.sku), with what is wrong; {} when none is.",
    )

    class Meta:
        ref_name = "Error"


ERRORS = {
    400: (
        "The request breaks the schema (a type, a format, a length, a missing field); fields names each.",
        {"code": "invalid", "message": "Invalid input.", "fields": {"lines.0.quantity": ["Must be an integer."]}},
    ),
    401: (
        "No API key, or an unknown or revoked one.",
        {"code": "bad_api_key", "message": "Unknown or revoked API key.", "fields": {}},
    ),
    403: (
        "Not allowed: the API key lacks the operation's scope, or no shopper is signed in (or the CSRF token is "
        "missing).",
        {"code": "missing_scope", "message": "This API key lacks the orders:write scope.", "fields": {}},
    ),
    404: ("No such thing here (or not yours).", {"code": "not_found", "message": "Not found.", "fields": {}}),
    409: (
        "The order or return moved on: a stale version, a step already taken, or an Idempotency-Key reused for "
        "another request.",
        {
            "code": "version_conflict",
            "message": "The order changed since version 3; it is at version 4.",
            "fields": {"order_version": ["Current version: 4."]},
        },
    ),
    415: (
        "The body is not JSON: send Content-Type: application/json.",
        {"code": "unsupported_media_type", "message": 'Unsupported media type "text/plain" in request.', "fields": {}},
    ),
    422: (
        "Well-formed, but refused as asked: an unknown SKU, a line not on the order, more than is left, a rule "
        "of the store.",
        {
            "code": "unknown_sku",
            "message": "Unknown SKU.",
            "fields": {"lines.0.sku": ["No variant MUG-PURPLE."]},
        },
    ),
    429: (
        "Over the API key's rate; Retry-After says in how many seconds to try again.",
        {"code": "throttled", "message": "Request was throttled. Expected available in 12 seconds.", "fields": {}},
    ),
}


def error(status: int) -> OpenApiResponse:
    description, example = ERRORS[status]
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description,
        examples=[OpenApiExample(f"{status}", value=example, response_only=True, status_codes=[str(status)])],
    )


def answers(successes: dict[int, tuple[object, object]], *statuses: int) -> dict:
    """``successes``: status → (serializer or None, example body); ``statuses``: the errors it can answer."""
    documented: dict[int, object] = {}
    for status, (body, example) in successes.items():
        examples = [] if example is None else [OpenApiExample(f"{status}", value=example, status_codes=[str(status)])]
        documented[status] = OpenApiResponse(response=body, description="", examples=examples)
    return {**documented, **{status: error(status) for status in statuses}}


RATE_LIMIT_HEADERS = [
    OpenApiParameter(
        "RateLimit-Limit",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Requests the key may make in a minute. On every answer to a known key (not while the "
        "limiter's Redis is away).",
    ),
    OpenApiParameter(
        "RateLimit-Remaining",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Requests left in the current minute.",
    ),
    OpenApiParameter(
        "RateLimit-Reset",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Seconds until a request is given back (the oldest of the minute's requests ages out).",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before trying again.",
    ),
]


NO_NULL_CHARACTER = "^[^\\u0000]*$"


def refuse_null_characters(result, generator, request, public):
    """drf-spectacular post-processing hook: a string in a request body cannot hold NUL (PostgreSQL cannot
    store it, and DRF refuses it), so the request schemas say so."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _no_null(component)
    return result


def _no_null(schema: dict) -> None:
    if schema.get("type") == "string" and not {"enum", "format", "pattern"} & schema.keys():
        schema["pattern"] = NO_NULL_CHARACTER
    for sub in schema.get("properties", {}).values():
        _no_null(sub)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _no_null(schema[key])
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            _no_null(sub)
