"""An API's query parameters: each read as its schema says, or a 400 naming it.

A parameter sent empty is an error, not "no filter": ``?updated_since=`` is more likely a client's bug than
a wish for every order. Each reader has its schema beside it, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

INSTANT_HELP = "An RFC 3339 date-time with its offset, e.g. 2026-11-30T12:00:00Z."
# RFC 3339's date-time, as the schema's format says: seconds and an offset are required.
RFC_3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def parse_instant(text: str) -> datetime | None:
    """An RFC 3339 date-time as a UTC instant, or None. In UTC because PostgreSQL refuses offsets Python
    accepts (beyond ±15:59, say -22:47)."""
    if not RFC_3339.fullmatch(text):
        return None
    try:
        value = parse_datetime(text.upper())
    except ValueError:  # well-formed but no such time (2026-02-30)
        return None
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:  # a real instant beyond what Python holds in UTC: the first or the last it does
        return datetime.min.replace(tzinfo=UTC) if value.year == 1 else datetime.max.replace(tzinfo=UTC)


class KnownQueryParams:
    """API view mixin: a query parameter the operation does not document is a 400, so a mistyped filter
    (``?stauts=open``) is an error rather than every row."""

    query_params: tuple[str, ...] = ()  # of GET; other methods take none

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not hasattr(self, request.method.lower()):
            return  # the method itself is refused next: 405
        known = self.query_params if request.method == "GET" else ()
        unknown = sorted(set(request.query_params) - set(known))
        if unknown:
            raise ValidationError({name or "query": ["Not a parameter of this operation."] for name in unknown})


class QueryFilters:
    """Reads a request's filters onto a queryset, collecting every bad parameter before answering 400."""

    def __init__(self, params, queryset: QuerySet):
        self.params, self.queryset = params, queryset
        self.errors: dict[str, list[str]] = {}

    def _given(self, name: str) -> str | None:
        if name not in self.params:
            return None
        value = self.params[name]
        if value == "":
            self.errors[name] = ["Empty: leave the parameter out instead."]
            return None
        return value

    def instant(self, name: str, lookup: str) -> None:
        value = self._given(name)
        if value is None:
            return
        since = parse_instant(value)
        if since is None:
            self.errors[name] = [INSTANT_HELP]
        else:
            self.queryset = self.queryset.filter(**{lookup: since})

    def choices(self, name: str, values: list[str], field: str) -> None:
        value = self._given(name)
        if value is None:
            return
        chosen = value.split(",")
        if set(chosen) - set(values):
            self.errors[name] = [f"One or more of: {', '.join(values)}."]
        else:
            self.queryset = self.queryset.filter(**{f"{field}__in": chosen})

    def boolean(self, name: str, field: str) -> None:
        value = self._given(name)
        if value is None:
            return
        if value not in ("true", "false"):
            self.errors[name] = ["true or false."]
        else:
            self.queryset = self.queryset.filter(**{field: value == "true"})

    def number(self, name: str, field: str) -> None:
        value = self._given(name)
        if value is None:
            return
        if not re.fullmatch(r"[0-9]{1,9}", value) or int(value) < 1:
            self.errors[name] = ["A whole number from 1."]
        else:
            self.queryset = self.queryset.filter(**{field: int(value)})


def instant_param(name: str, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.DATETIME, description=description or INSTANT_HELP)


def choices_param(name: str, values: list[str], description: str = "") -> OpenApiParameter:
    """Comma-separated values of one enum (``status=open,cancelled``)."""
    schema = {"type": "array", "items": {"type": "string", "enum": values}, "minItems": 1}
    return OpenApiParameter(name, schema, explode=False, style="form", description=description)


def number_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, {"type": "integer", "minimum": 1, "maximum": 999_999_999}, description=description)
