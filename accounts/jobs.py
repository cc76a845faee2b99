"""RQ entry points of accounts (the periodic ones are registered in config/cron.py)."""

from accounts import staff_sign_in


def prune_staff_sign_in_attempts() -> int:
    return staff_sign_in.prune_staff_sign_in_attempts()
