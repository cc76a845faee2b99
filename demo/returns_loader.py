"""The demo shopper's returns: the return policy's address and a return in every state, each made through
the returns services (so each step has its event and email)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from demo.loader import DEMO_ADDRESS, DEMO_EMAIL, staff_user, variant_pk
from orders import services
from orders.constants import ActorKind, DeliveryState, MoneySource, TransactionStatus
from orders.gateway import demo_card
from orders.models import Order
from returns import services as returns
from returns.constants import Condition, RefundTo
from returns.models import ReturnPolicy, ReturnReason, ReturnRequest
from returns.services import AskedLine, Received
from storefront.models import (
    Product,
    ShippingMethod,
)

RETURN_ADDRESS = "Aftersale Demo Store – Returns\nHaarlemmerstraat 42\n1013 ER Amsterdam\nNetherlands"
FINAL_SALE = "canvas-tote"  # the demo's product that can't be returned


def load_return_policy() -> ReturnPolicy:
    """The return policy with the address printed on return slips (the defaults otherwise: 30 days, free
    returns, exchanges, the shopper chooses card or store credit, staff approve each request)."""
    policy = ReturnPolicy.load()
    if not policy.return_address:
        policy.return_address = RETURN_ADDRESS
        policy.save(update_fields=["return_address"])
    return policy


def load_demo_returns(*, progress: Callable[[Iterable], Iterable] = lambda it: it) -> int:
    """The demo shopper's returns, one in every state, each on a delivered order of its own and moved on by
    the services shoppers, staff and the warehouse use (so each step has its event, and its email where the
    service sends one): requested;
    approved (a refund, and an exchange whose replacement's stock is reserved); on its way back with
    tracking; an exchange received whose replacement waits to ship; an exchange shipped; refunded to store
    credit; refunded less a restocking fee; rejected; withdrawn. Also a product that can't be returned (the
    tote) and a delivered personalized line. Made once; returns how many returns were made."""
    load_return_policy()
    if ReturnRequest.objects.filter(order__email=DEMO_EMAIL).exists():
        return 0
    staff = staff_user()
    tote = Product.objects.get(slug=FINAL_SALE)
    if tote.is_returnable:
        tote.is_returnable = False
        tote.save(update_fields=["is_returnable"])
    changed_mind = ReturnReason.objects.get(code="changed_mind")
    if not changed_mind.restocking_fee_percent:
        changed_mind.restocking_fee_percent = Decimal("10")
        changed_mind.save(update_fields=["restocking_fee_percent"])
    now = timezone.now()
    sweater_m, sweater_l = (
        variant_pk("merino-crew-sweater", "M", "navy"),
        variant_pk("merino-crew-sweater", "L", "navy"),
    )
    tee_m, tee_l, tee_s = (variant_pk("organic-cotton-tee", size, "white") for size in ("M", "L", "S"))
    socks, mug = variant_pk("wool-socks", "M", "grey"), variant_pk("ceramic-mug", "white")
    tote_id, wallet = variant_pk(FINAL_SALE, "natural"), variant_pk("leather-wallet", "brown")
    L = services.LineRequest

    def delivered(lines, days_ago: int) -> Order:
        order = services.place_order(
            email=DEMO_EMAIL,
            lines=lines,
            language="en",
            name=DEMO_ADDRESS["name"],
            actor_kind=ActorKind.CUSTOMER,
            placed_at=now - timedelta(days=days_ago),
            send_confirmation=False,
            shipping_method=ShippingMethod.objects.get(code="standard"),
            shipping_address=DEMO_ADDRESS,
        )
        with transaction.atomic():
            services.take_card_payment(
                order=order,
                amount=order.total,
                card_number=demo_card(),
                idempotency_key=f"demo-pay-{order.number}",
                source=MoneySource.CHECKOUT,
            )
        services.record_shipment(
            order=order,
            quantities={line.pk: line.quantity for line in order.lines.all()},
            carrier="PostNL",
            tracking_number=f"3SABCD{order.number}NL",
            delivery_state=DeliveryState.DELIVERED,
            shipped_at=now - timedelta(days=days_ago - 1),
        )
        order.refresh_from_db()
        return order

    def ask(order: Order, *items, refund_to=RefundTo.ORIGINAL, comment="") -> ReturnRequest:
        """``items``: (variant id, quantity, reason code[, the variant id to exchange for])."""
        by_variant = {line.variant_id: line.pk for line in order.lines.all()}
        return returns.request_return(
            order=order,
            lines=[
                AskedLine(
                    order_line_id=by_variant[variant],
                    quantity=quantity,
                    reason_code=reason,
                    exchange_variant_id=rest[0] if rest else None,
                )
                for variant, quantity, reason, *rest in items
            ],
            refund_to=refund_to,
            comment=comment,
            actor_kind=ActorKind.CUSTOMER,
            actor=order.customer,
        )

    def approved(request: ReturnRequest) -> ReturnRequest:
        return returns.approve_return(request=request, actor=staff)

    def sent_back(request: ReturnRequest) -> ReturnRequest:
        return returns.mark_in_transit(
            request=request,
            carrier="PostNL",
            tracking_number=f"3SRET{request.number.replace('-', '')}NL",
            actor_kind=ActorKind.CUSTOMER,
            actor=request.order.customer,
        )

    def received(request: ReturnRequest, condition=Condition.RESELLABLE) -> ReturnRequest:
        request = returns.receive_return(
            request=request,
            received={line.pk: Received(line.quantity, condition) for line in request.lines.all()},
            actor_kind=ActorKind.STAFF,
            actor=staff,
        )
        # The refund job, run now (as for the demo's other refunds): the money is back when the store opens.
        if (memo := request.credit_memo) is not None:
            for refund in memo.refunds.filter(status=TransactionStatus.PENDING):
                services.send_refund(refund_id=refund.pk)
        return request

    def requested():
        ask(delivered([L(sweater_m, 1), L(tote_id, 1)], 9), (sweater_m, 1, "too_big"), comment="A size too big.")

    def approved_refund():
        approved(ask(delivered([L(mug, 2)], 8), (mug, 1, "damaged"), comment="Chipped rim."))

    def approved_exchange():
        approved(ask(delivered([L(tee_m, 2)], 8), (tee_m, 1, "too_small", tee_l)))

    def in_transit():
        sent_back(approved(ask(delivered([L(socks, 2), L(tee_m, 1)], 12), (socks, 2, "too_small"))))

    def exchange_waiting_to_ship():
        received(
            sent_back(
                approved(ask(delivered([L(sweater_m, 1), L(socks, 1)], 14), (sweater_m, 1, "too_small", sweater_l)))
            )
        )

    def exchanged():
        order = delivered([L(tee_m, 1), L(mug, 1)], 20)
        request = received(sent_back(approved(ask(order, (tee_m, 1, "too_big", tee_s)))))
        replacement = request.lines.get().exchange_line
        services.record_shipment(
            order=order,
            quantities={replacement.pk: replacement.quantity},
            carrier="PostNL",
            tracking_number=f"3SEXC{order.number}NL",
            delivery_state=DeliveryState.IN_TRANSIT,
            estimated_arrival=(now + timedelta(days=2)).date(),
        )
        returns.mark_exchanged(order_id=order.pk)  # what the shipment's event listener does once it commits

    def refunded_to_store_credit():
        order = delivered([L(mug, 1), L(socks, 1)], 16)
        received(approved(ask(order, (mug, 1, "damaged"), refund_to=RefundTo.STORE_CREDIT)), Condition.DAMAGED)

    def refunded_less_a_restocking_fee():
        received(sent_back(approved(ask(delivered([L(sweater_m, 1), L(tee_m, 1)], 18), (tee_m, 1, "changed_mind")))))

    def rejected():
        request = ask(delivered([L(socks, 3)], 25), (socks, 1, "not_as_described"), comment="Thinner than shown.")
        returns.reject_return(request=request, reason="Worn and washed: we can't take them back.", actor=staff)

    def withdrawn():
        request = ask(delivered([L(sweater_m, 1)], 10), (sweater_m, 1, "changed_mind"))
        returns.withdraw_return(request=request, actor_kind=ActorKind.CUSTOMER, actor=request.order.customer)

    def personalized():  # delivered, nothing returned: the engraved wallet can't be, the mug can
        delivered([L(wallet, 1, customization="S.J."), L(mug, 1)], 6)

    steps = [
        requested,
        approved_refund,
        approved_exchange,
        in_transit,
        exchange_waiting_to_ship,
        exchanged,
        refunded_to_store_credit,
        refunded_less_a_restocking_fee,
        rejected,
        withdrawn,
        personalized,
    ]
    for step in progress(steps):
        step()
    return ReturnRequest.objects.filter(order__email=DEMO_EMAIL).count()
