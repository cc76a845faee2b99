"""RQ entry points of orders: thin, take ids, safe to run twice."""

from orders.services import payments, refunds, stripe_events
from orders.services.closing import release_fulfillment_holds


def release_expired_holds() -> int:
    return release_fulfillment_holds()


def send_refund(refund_id: int) -> str:
    return refunds.send_refund(refund_id=refund_id)


def send_payment_reminder(request_id: int, number: int) -> bool:
    return payments.send_payment_reminder(request_id=request_id, number=number)


def refund_orphaned_payment(intent_id: str, key: str) -> str:
    return stripe_events.refund_orphaned_payment(intent_id=intent_id, key=key)
