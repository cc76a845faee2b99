"""The one error type services raise; the web layer maps it to a page message or a 4xx."""

from __future__ import annotations


class ApplicationError(Exception):
    """A refused operation: ``code`` is stable for clients, ``message`` is translated for people."""

    code = "invalid"
    # The API's answer: 422, the request was well-formed and refused as asked (400 is kept for requests that
    # break the schema, so a client can tell its bug from the store's rule); 409 for conflicts.
    http_status = 422

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "fields": self.fields}
