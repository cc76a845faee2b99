from core.errors import ApplicationError


class OrderError(ApplicationError):
    code = "order_invalid"
