from core.errors import ApplicationError


class OrderError(ApplicationError):
    code = "order_invalid"


class RefundError(OrderError):
    """A refund refused: by its amount, its state, or the staff member's refund limit."""

    code = "refund_invalid"
