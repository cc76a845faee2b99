"""A realistic context for every message kind: the rendering test, the email screenshots and the
DEBUG mailbox previews all use these, so a kind without a sample fails the test."""

from __future__ import annotations

from notifications.constants import MessageKind

SITE = "https://shop.example"
ORDER = {"order_number": 1042, "currency": "EUR", "status_url": f"{SITE}/store/orders/status/1042.sig/"}
LINES = [
    {"name": "Merino crew-neck sweater – M / Navy", "quantity": 1, "total": "89.00"},
    {"name": "Ceramic mug – White", "quantity": 2, "total": "36.00"},
]
ITEMS = [{"name": line["name"], "quantity": line["quantity"]} for line in LINES]
ADMIN = {"admin_url": f"{SITE}/admin/orders/order/7/change/"}
EDITED = {"reason_code": "order_edited", "reason_note": ""}  # a reason as stored: core.reasons
PAY = {
    "amount": "36.00",
    "reason": EDITED,
    "pay_url": f"{SITE}/store/pay/12.sig/",
    "expires_at": "2026-12-08T10:00:00+00:00",
}
SHIPMENT = {
    "items": ITEMS,
    "carrier": "PostNL",
    "tracking_number": "3SABCD1042NL",
    "tracking_url": "https://postnl.example/track/3SABCD1042NL",
    "estimated_arrival": "2026-12-03",
    "pickup_name": "",
    "pickup_address": "",
    "pickup_hours": "",
}
RETURN = {**ORDER, "return_number": "R1042-1", "slip_url": f"{SITE}/store/returns/5.sig/slip/"}
RETURN_ITEMS: list[dict] = [
    {
        "name": "Merino crew-neck sweater – M / Navy",
        "variant_id": None,
        "quantity": 1,
        "reason": "too_small",
        "exchange_for": {"name": "Merino crew-neck sweater – L / Navy", "variant_id": None},
    },
    {"name": "Ceramic mug – White", "variant_id": None, "quantity": 2, "reason": "changed_mind"},
]

SAMPLES: dict[str, dict] = {
    MessageKind.SIGN_IN_CODE: {
        "code": "482913",
        "code_minutes": 15,
        "link": f"{SITE}/store/account/login/link/abc/",
        "link_minutes": 15,
    },
    MessageKind.UNKNOWN_ACCOUNT: {"shop_url": f"{SITE}/store/"},
    MessageKind.EMAIL_CHANGE_CODE: {"code": "771204", "minutes": 15},
    MessageKind.EMAIL_CHANGE_APPROVAL: {"code": "408213", "minutes": 15, "new_email": "sam.new@example.com"},
    MessageKind.EMAIL_CHANGED: {
        "new_email": "sam.new@example.com",
        "undo_link": f"{SITE}/store/account/profile/email/undo/sample/",
        "days": 7,
    },
    MessageKind.ORDER_CONFIRMATION: {
        **ORDER,
        "total": "130.00",
        "lines": LINES,
        "invoice_url": f"{SITE}/store/orders/status/1042.sig/invoice/",
    },
    MessageKind.ORDER_EDITED: {
        **ORDER,
        "total": "166.00",
        "delta": "36.00",
        "lines": [*LINES, {"name": "Wool socks – M / Grey", "quantity": 2, "total": "36.00"}],
        "to_pay": "36.00",
        "to_refund": "",
        "refund_waits_for_approval": False,
        "by_staff": False,
        # The records editing keeps (editing.presentation.change_records), worded by the change_sentences filter.
        "changes": [
            {"type": "added", "item": "Wool socks M / Grey", "from": 0, "to": 2},
            {"type": "changed", "item": "Ceramic mug White", "from": 1, "to": 2},
            {
                "type": "swapped",
                "item": "Merino crew-neck sweater L / Black",
                "from": 1,
                "to": 1,
                "product": "Merino crew-neck sweater",
                "from_variant": "M / Navy",
                "to_variant": "L / Black",
            },
            {
                "type": "address",
                "address": {
                    "name": "Sam Jansen",
                    "company": "",
                    "line1": "Prinsengracht 263",
                    "line2": "",
                    "postal_code": "1016 GV",
                    "city": "Amsterdam",
                    "region": "",
                    "country": "NL",
                },
            },
            {"type": "delivery", "method": "Express", "carrier": "DHL"},
        ],
    },
    MessageKind.ORDER_CANCELLED: {**ORDER, "to_refund": "130.00", "refund_waits_for_approval": False},
    MessageKind.ORDER_REST_CANCELLED: {
        **ORDER,
        "items": [{"name": "Ceramic mug – White", "variant_id": None, "quantity": 2, "total": "36.00"}],
        "total": "94.00",
        "to_refund": "36.00",
        "to_pay": "",
        "still_due": "",
    },
    MessageKind.MERCHANT_ORDER_EDITED: {
        **ORDER,
        **ADMIN,
        "total": "94.00",
        "lines": LINES[:1],
        "changes": [
            {"type": "removed", "item": "Ceramic mug White", "from": 2, "to": 0},
            {"type": "delivery", "pickup": "Amsterdam store"},
        ],
        "to_pay": "",
        "to_refund": "36.00",
        "refund_waits_for_approval": True,
    },
    MessageKind.MERCHANT_ORDER_CANCELLED: {
        **ORDER,
        **ADMIN,
        "to_refund": "130.00",
        "refund_waits_for_approval": False,
    },
    MessageKind.PAYMENT_NEEDED: {**ORDER, **PAY},
    MessageKind.PAYMENT_REMINDER: {**ORDER, **PAY, "reminder": 1},
    MessageKind.PAYMENT_RECEIVED: {
        **ORDER,
        "amount": "36.00",
        "paid_total": "166.00",
        "order_total": "166.00",
        "balance_due": "",
    },
    MessageKind.REFUND_ISSUED: {
        **ORDER,
        "amount": "36.00",
        "reason": {"reason_code": "goodwill", "reason_note": "Sorry for the wait"},
        "refunded_total": "36.00",
    },
    MessageKind.MERCHANT_REFUND_FAILED: {
        **ORDER,
        **ADMIN,
        "amount": "36.00",
        "error": "The card issuer could not be reached.",
        "reason": {"reason_code": "", "reason_note": ""},
    },
    MessageKind.MERCHANT_PAYMENT_DISPUTED: {
        **ORDER,
        **ADMIN,
        "amount": "36.00",
        "reason": "fraudulent",
        "dispute": "dp_1Pz2xY",
    },
    MessageKind.MERCHANT_REFUND_AWAITING_APPROVAL: {
        **ORDER,
        **ADMIN,
        "amount": "36.00",
        "reason": EDITED,
    },
    MessageKind.MERCHANT_PAYMENT_EXPIRED: {
        **ORDER,
        **ADMIN,
        "amount": "36.00",
        "reason": EDITED,
        "reverted": True,
        "revert_blocked": False,
    },
    MessageKind.SHIPMENT_SHIPPED: {**ORDER, **SHIPMENT},
    MessageKind.SHIPMENT_OUT_FOR_DELIVERY: {**ORDER, **SHIPMENT},
    MessageKind.SHIPMENT_DELIVERED: {**ORDER, **SHIPMENT},
    MessageKind.SHIPMENT_READY_FOR_PICKUP: {
        **ORDER,
        **SHIPMENT,
        "pickup_name": "Amsterdam store",
        "pickup_address": "Prinsengracht 263\n1016 GV Amsterdam",
        "pickup_hours": "Mon–Sat 10:00–18:00",
    },
    MessageKind.SHIPMENT_FAILED: {**ORDER, **SHIPMENT},
    MessageKind.BACKORDER_NOTICE: {
        **ORDER,
        "items": [{**ITEMS[0], "kind": "backorder", "expected": "2026-12-12"}, {**ITEMS[1], "kind": "short_pick"}],
        "note": "",
    },
    MessageKind.MERCHANT_WEBHOOK_DISABLED: {
        "url": "https://erp.example/hooks/aftersale",
        "failures": 3,
        "admin_url": f"{SITE}/admin/integrations/webhookendpoint/1/change/",
    },
    MessageKind.RETURN_REQUESTED: {**RETURN, "items": RETURN_ITEMS, "approved": False},
    MessageKind.RETURN_APPROVED: {**RETURN, "items": RETURN_ITEMS},
    MessageKind.RETURN_REJECTED: {
        **RETURN,
        "items": RETURN_ITEMS,
        "reason": {"reason_code": "other", "reason_note": "The mugs were used."},
    },
    # The mugs refunded less a 10% restocking fee and the return shipping; the sweater exchanged at the same price.
    MessageKind.RETURN_RECEIVED: {
        **RETURN,
        "items": [{**RETURN_ITEMS[0], "condition": "resellable"}, {**RETURN_ITEMS[1], "condition": "resellable"}],
        "items_value": "125.00",
        "restocking_fee": "3.60",
        "shipping_fee": "5.00",
        "shipping_refund": "0.00",
        "exchange_difference": "0.00",
        "refund": "27.40",
        "refund_to": "original",
        "to_pay": "",
    },
    MessageKind.SHOP_AGAIN: {
        "items": ITEMS,
        "shop_url": f"{SITE}/store/products/",
        "unsubscribe_url": f"{SITE}/store/account/unsubscribe/7.sig/",
    },
}
