"""The API's one exception handler and its paginators.

Every error is ``{"code", "message", "fields"}``; ``fields`` maps a dotted path (``lines.0.sku``) to its
messages, however deeply DRF nested them. Paginators build their links from SITE_URL, not the Host header.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import exception_handler

from core.errors import ApplicationError
from core.links import on_site


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.http_status)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, ValidationError):
        body = {"code": "invalid", "message": "Invalid input.", "fields": flat_fields(detail)}
    else:
        code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
        body = {
            "code": code,
            "message": str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail),
            "fields": {},
        }
    response.data = body
    return response


@csrf_exempt  # it changes nothing, and its answer must be the API's JSON 404 for any method
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/: the API's 404, as JSON (not the shop's HTML page)."""
    return JsonResponse({"code": "not_found", "message": "Not found.", "fields": {}}, status=404)


def flat_fields(detail, path: str = "") -> dict[str, list[str]]:
    """DRF's nested errors ({"address": {"country": [..]}}, [{}, {"quantity": [..]}]) as dotted paths;
    a list's or an object's own errors (``non_field_errors``) go under its path."""
    found: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        items = [
            (path if key == api_settings.NON_FIELD_ERRORS_KEY and path else _join(path, key), value)
            for key, value in detail.items()
        ]
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        items = [(_join(path, index), item) for index, item in enumerate(detail)]
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {path or api_settings.NON_FIELD_ERRORS_KEY: [str(message) for message in messages]} if messages else {}
    for name, value in items:
        for key, messages in flat_fields(value, name).items():
            found.setdefault(key, []).extend(messages)
    return found


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def _on_site(link: str | None) -> str | None:
    return on_site(link) if link else link


class SitePageNumberPagination(PageNumberPagination):
    """DRF builds ``next`` / ``previous`` from the request's Host header; these come from SITE_URL."""

    def get_next_link(self):
        return _on_site(super().get_next_link())

    def get_previous_link(self):
        return _on_site(super().get_previous_link())

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# "<microseconds since 1970>.<id>": every string of this form is a place in the list, so a cursor either
# reads a page (perhaps empty) or breaks the documented pattern (400) — never a 404 for a typo.
CURSOR = re.compile(r"([0-9]{1,16})\.([0-9]{1,18})")


SYNC_PAGES = ("cursor", "page_size")  # SyncPagination's query parameters


class SyncPagination(BasePagination):
    """Rows in (updated_at, id) order, a page after a cursor: a change moves a row to the end, where the
    next sync reads it. Only forward, as a sync reads."""

    page_size = 50
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        params, errors = request.query_params, {}
        size = self.page_size
        if "page_size" in params:
            raw = params["page_size"]
            if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= self.max_page_size:
                errors["page_size"] = [f"A whole number from 1 to {self.max_page_size}."]
            else:
                size = int(raw)
        if "cursor" in params:
            match = CURSOR.fullmatch(params["cursor"])
            if match is None:
                errors["cursor"] = ["Not a cursor: follow the next link of the previous page."]
            else:
                at, row = EPOCH + timedelta(microseconds=int(match[1])), int(match[2])
                queryset = queryset.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=row))
        if errors:
            raise ValidationError(errors)
        rows = list(queryset.order_by("updated_at", "id")[: size + 1])
        self.request, self.more = request, len(rows) > size
        self.page = rows[:size]
        return self.page

    def next_link(self) -> str | None:
        if not self.more:
            return None
        last = self.page[-1]
        cursor = f"{(last.updated_at - EPOCH) // timedelta(microseconds=1)}.{last.pk}"
        return on_site(replace_query_param(self.request.build_absolute_uri(), "cursor", cursor))

    def get_paginated_response(self, data):
        return Response({"next": self.next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page; null on the last.",
                    "example": "https://shop.example/api/v1/orders/?cursor=1764583800000000.1042",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "Where the page starts: from the previous page's next link.",
                "schema": {"type": "string", "pattern": f"^{CURSOR.pattern}$"},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": f"Rows a page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
