"""Every state change of a return: asked (``requesting``), decided (``approval``), received and settled
(``receiving``)."""

from returns.services.approval import approve_return, reject_return
from returns.services.receiving import Received, mark_exchanged, on_order_event, preview_receipt, receive_return
from returns.services.requesting import AskedLine, mark_in_transit, request_return, withdraw_return

__all__ = [
    "AskedLine",
    "Received",
    "approve_return",
    "mark_exchanged",
    "mark_in_transit",
    "on_order_event",
    "preview_receipt",
    "receive_return",
    "reject_return",
    "request_return",
    "withdraw_return",
]
