"""The API's one exception handler: ApplicationError → 400 {"code","message","fields"}; DRF's own errors get the same shape.
And its paginators, whose links start with SITE_URL."""

from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
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
    if isinstance(detail, dict) and "detail" not in detail:
        body = {"code": "invalid", "message": "Invalid input.", "fields": detail}
    else:
        code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
        body = {
            "code": code,
            "message": str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail),
            "fields": {},
        }
    response.data = body
    return response


def _on_site(link: str | None) -> str | None:
    return on_site(link) if link else link


class SitePageNumberPagination(PageNumberPagination):
    """DRF builds ``next`` / ``previous`` from the request's Host header; these come from SITE_URL."""

    def get_next_link(self):
        return _on_site(super().get_next_link())

    def get_previous_link(self):
        return _on_site(super().get_previous_link())


class SiteCursorPagination(CursorPagination):
    """As SitePageNumberPagination, for cursor pages."""

    def get_next_link(self):
        return _on_site(super().get_next_link())

    def get_previous_link(self):
        return _on_site(super().get_previous_link())
