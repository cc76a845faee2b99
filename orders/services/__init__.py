"""Order services, one module per subject; import them from here (``from orders import services``).

- ``kernel``: lock an order, re-derive its statuses, save a versioned change, record a transaction once.
- ``placing``: pricing, the checkout's quote and placing an order (stock, edit window, confirmation).
- ``recording``: money moved elsewhere, recorded as a payment or a refund.
- ``closing``: cancel, archive and unarchive, and the fulfilment hold's release when the edit window closes.
- ``review``: staff tags and risk.
- ``fulfilment``: shipments, delivery states and backorders, and the shopper's notices of them.
- ``refunds``: refunds from request to the gateway job, staff approval and retries.
- ``refund_limits``: how much each staff member may give back at a time.
- ``payments``: card charges (checkout, Pay now), store credit spent, payment requests and reminders.
- ``credit``: the store-credit ledger.
- ``settlement``: a balance after a change becomes refunds or a payment request.
"""

from orders.services.closing import (  # noqa: F401
    archive_order,
    cancel_order,
    release_fulfillment_holds,
    unarchive_order,
)
from orders.services.credit import give_store_credit, store_credit_balance  # noqa: F401
from orders.services.fulfilment import record_shipment, report_backorder, update_delivery_state  # noqa: F401
from orders.services.kernel import refresh_statuses, save_revised_order  # noqa: F401
from orders.services.payments import (  # noqa: F401
    expire_payment_request,
    pay_payment_request,
    request_balance_payment,
    send_payment_reminder,
    spend_store_credit,
    take_card_payment,
)
from orders.services.placing import (  # noqa: F401
    MAX_LINE_QUANTITY,
    LineRequest,
    StaffDiscount,
    order_confirmation_context,
    place_order,
)
from orders.services.recording import record_payment, record_payment_elsewhere, record_refund  # noqa: F401
from orders.services.refunds import (  # noqa: F401
    approve_refund,
    decline_refund,
    issue_refund,
    keep_money_held,
    money_in_hand,
    retry_refund,
    send_refund,
)
from orders.services.review import review_order  # noqa: F401
from orders.services.settlement import Settlement, settle_balance  # noqa: F401
