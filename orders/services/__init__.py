"""Order services, one module per subject; import them from here (``from orders import services``).

- ``lifecycle``: placing, statuses, closing, fulfilment holds, staff review (tags, risk).
- ``fulfilment``: shipments, delivery states and backorders, and the shopper's notices of them.
- ``refunds``: refunds from request to the gateway job, staff approval, limits and retries.
- ``payments``: card charges (checkout, Pay now), store credit spent, payment requests and reminders.
- ``credit``: the store-credit ledger.
- ``settlement``: a balance after a change becomes refunds or a payment request.
"""

from orders.services.credit import give_store_credit, store_credit_balance  # noqa: F401
from orders.services.fulfilment import record_shipment, report_backorder, update_delivery_state  # noqa: F401
from orders.services.kernel import refresh_statuses, save_revised_order  # noqa: F401
from orders.services.lifecycle import (  # noqa: F401
    MAX_LINE_QUANTITY,
    LineRequest,
    archive_order,
    cancel_order,
    order_confirmation_context,
    place_order,
    record_payment,
    record_refund,
    release_fulfillment_holds,
    review_order,
)
from orders.services.payments import (  # noqa: F401
    expire_payment_request,
    pay_payment_request,
    send_payment_reminder,
    spend_store_credit,
    take_card_payment,
)
from orders.services.refunds import (  # noqa: F401
    approve_refund,
    decline_refund,
    issue_refund,
    money_in_hand,
    retry_refund,
    send_refund,
)
from orders.services.settlement import Settlement, settle_balance  # noqa: F401
