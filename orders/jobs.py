"""RQ entry points of orders: thin, safe to run twice."""

from orders.services import release_fulfillment_holds


def release_expired_holds() -> int:
    return release_fulfillment_holds()
