"""Example answers of the shopper's edit API, as the schema shows them (tests check each against its schema)."""

from typing import Any

TOTALS_BEFORE = {"subtotal": "51.00", "discount": "0.00", "shipping": "4.95", "tax": "9.71", "total": "55.95"}
PREVIEW_OPEN: dict[str, Any] = {
    "id": 12,
    "version": 1,
    "status": "open",
    "staged": {"swaps": {}, "address": None, "delivery": None, "additions": {}, "quantities": {}},
    "lines": [
        {
            "line_id": 101,
            "variant_id": 20,
            "product_name": "Ceramic coffee mug",
            "variant_name": "White",
            "change": "unchanged",
            "before_quantity": 2,
            "quantity": 2,
            "unit_price": "18.00",
            "before_total": "36.00",
            "total": "36.00",
        }
    ],
    "before": TOTALS_BEFORE,
    "after": TOTALS_BEFORE,
    "paid": "55.95",
    "to_pay": "0.00",
    "to_refund": "0.00",
    "error": None,
}
PREVIEW_STAGED = {
    **PREVIEW_OPEN,
    "staged": {**PREVIEW_OPEN["staged"], "quantities": {"101": 1}},
    "lines": [{**PREVIEW_OPEN["lines"][0], "change": "changed", "quantity": 1, "total": "18.00"}],
    "after": {"subtotal": "33.00", "discount": "0.00", "shipping": "4.95", "tax": "6.58", "total": "37.95"},
    "to_refund": "18.00",
}
SETTLEMENT = {
    "number": 1042,
    "version": 3,
    "total": "37.95",
    "financial_status": "paid",
    "to_pay": None,
    "refund": {"amount": "18.00", "status": "pending"},
}
CANCELLED = {**SETTLEMENT, "total": "0.00", "refund": {"amount": "55.95", "status": "pending"}}
