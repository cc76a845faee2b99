from core.errors import ApplicationError


class DraftError(ApplicationError):
    code = "draft_invalid"


class DraftConflict(DraftError):
    """The draft changed (or was placed) since the page that asked was shown."""

    code = "draft_changed"
    http_status = 409
