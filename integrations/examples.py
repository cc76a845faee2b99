"""Example answers of the integration API, as the schema shows them (tests check each against its schema)."""

from __future__ import annotations

import copy

from orders.api_examples import ADDRESS


def changed(base: dict, **fields) -> dict:
    return {**copy.deepcopy(base), **fields}


MUG = {
    "id": 101,
    "sku": "CERAMIC-MUG-WHITE",
    "product_name": "Ceramic coffee mug",
    "variant_name": "White",
    "quantity": 2,
    "fulfilled_quantity": 2,
    "backordered_quantity": 0,
    "backorder_kind": "",
    "backorder_expected": None,
    "unit_price": "18.00",
    "tax_amount": "6.25",
    "total": "36.00",
    "customization": "",
}
SOCKS = changed(
    MUG,
    id=102,
    sku="WOOL-SOCKS-M-GREY",
    product_name="Wool socks",
    variant_name="M / Grey",
    quantity=1,
    fulfilled_quantity=0,
    unit_price="15.00",
    tax_amount="2.60",
    total="15.00",
)
FULFILLMENT = {
    "id": 7,
    "carrier": "PostNL",
    "tracking_number": "3SABCD1042NL",
    "tracking_url": "https://postnl.example/t/3SABCD1042NL",
    "delivery_state": "in_transit",
    "estimated_arrival": "2026-12-03",
    "shipped_at": "2026-12-01T09:30:00Z",
    "delivered_at": None,
    "lines": [{"line_id": 101, "quantity": 2}],
}
FULFILLMENT_DELIVERED = changed(
    FULFILLMENT, delivery_state="delivered", estimated_arrival=None, delivered_at="2026-12-03T14:05:00Z"
)
ORDER = {
    "number": 1042,
    "external_id": "shop-1001",
    "version": 3,
    "email": "sam@example.com",
    "language": "en",
    "currency": "EUR",
    "status": "open",
    "financial_status": "paid",
    "fulfillment_status": "partially_fulfilled",
    "return_status": "",
    "on_fulfillment_hold": False,
    "hold_until": None,
    "hold_reason": None,
    "placed_at": "2026-11-30T12:00:00Z",
    "updated_at": "2026-12-01T09:30:00Z",
    "shipping_address": ADDRESS,
    "shipping_method_name": "Standard delivery",
    "pickup_location": None,
    "discount_code": "",
    "subtotal": "51.00",
    "discount_total": "0.00",
    "shipping_total": "4.95",
    "tax_total": "9.71",
    "total": "55.95",
    "captured_total": "55.95",
    "refunded_total": "0.00",
    "net_paid": "55.95",
    "refunding": "0.00",
    "balance_due": "0.00",
    "credit_due": "0.00",
    "kept": "0.00",
    "lines": [MUG, SOCKS],
    "fulfillments": [FULFILLMENT],
}
ORDER_BACKORDERED = changed(
    ORDER,
    version=4,
    lines=[
        MUG,
        changed(SOCKS, backordered_quantity=1, backorder_kind="backorder", backorder_expected="2026-12-12"),
    ],
)

RETURN_LINE = {
    "id": 7,
    "order_line_id": 101,
    "sku": "CERAMIC-MUG-WHITE",
    "name": "Ceramic coffee mug – White",
    "quantity": 1,
    "reason": "too_big",
    "store_fault": False,
    "exchange_for": None,
    "received_quantity": 0,
    "condition": None,
    "restocked_quantity": 0,
    "refund_amount": "0.00",
}
RETURN_APPROVED = {
    "number": "R1042-1",
    "order": 1042,
    "status": "approved",
    "version": 3,
    "refund_to": "original",
    "comment": "A size smaller would fit.",
    "created_at": "2026-12-05T10:00:00Z",
    "approved_at": "2026-12-05T11:00:00Z",
    "received_at": None,
    "closed_at": None,
    "updated_at": "2026-12-05T11:00:00Z",
    "carrier": "",
    "tracking_number": "",
    "currency": "EUR",
    "items_value": "0.00",
    "restocking_fee": "0.00",
    "shipping_fee": "0.00",
    "shipping_refund": "0.00",
    "exchange_difference": "0.00",
    "refund_amount": "0.00",
    "lines": [RETURN_LINE],
}
RETURN_IN_TRANSIT = changed(
    RETURN_APPROVED,
    status="in_transit",
    version=4,
    carrier="PostNL",
    tracking_number="3SRET1042",
    updated_at="2026-12-06T08:00:00Z",
)
RETURN_REFUNDED = changed(
    RETURN_IN_TRANSIT,
    status="refunded",
    version=5,
    received_at="2026-12-08T09:30:00Z",
    closed_at="2026-12-08T09:30:00Z",
    updated_at="2026-12-08T09:30:00Z",
    items_value="18.00",
    refund_amount="18.00",
    lines=[
        changed(RETURN_LINE, received_quantity=1, condition="resellable", restocked_quantity=1, refund_amount="18.00")
    ],
)
