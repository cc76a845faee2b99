from core.errors import ApplicationError


class ReturnError(ApplicationError):
    code = "return_invalid"


class ReturnConflict(ReturnError):
    """The return moved on (approved, received, refunded) since the page that asked was shown."""

    code = "return_changed"
    http_status = 409
