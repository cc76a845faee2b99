"""The one error type services raise; the web layer maps it to a page message or a 4xx."""

from __future__ import annotations


class ApplicationError(Exception):
    """A refused operation: ``code`` is stable for clients, ``message`` is translated for people."""

    code = "invalid"
    http_status = 400  # the API's answer; 409 for conflicts

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "fields": self.fields}
