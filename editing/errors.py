from core.errors import ApplicationError


class EditError(ApplicationError):
    code = "edit_refused"


class EditConflict(EditError):
    """The order moved on since the edit began: its figures must be reviewed again."""

    code = "version_conflict"
    http_status = 409
