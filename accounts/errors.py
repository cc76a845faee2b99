from core.errors import ApplicationError


class AccountError(ApplicationError):
    code = "account_invalid"
