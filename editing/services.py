"""Editing an order: begin → stage → preview → commit, and cancellation by the shopper; the operations
other apps call, as ``from editing import services as editing``. Edits change the original order (never
cancel-and-recreate). The work lives by concern: ``eligibility`` (who may edit or cancel, and why not),
``staged`` (the typed staged changes), ``plan`` (what preview and commit compute), ``staging`` (sessions
and staged changes), ``commit``, ``cancellation`` and ``settlement``; modules inside editing import those
directly, this module only re-exports.
"""

from editing.cancellation import cancel_order
from editing.commit import CommitResult, commit_edit
from editing.eligibility import (
    cancel_refusals,
    customer_edits_this_month,
    edit_refusals,
    order_view,
    policy_view,
    refusals_for,
)
from editing.rest import RestCancelled, cancel_unshipped, plan_rest, rest_refusals
from editing.staging import (
    abandon_edit,
    begin_edit,
    reset_edit,
    restore_line,
    stage_addition,
    stage_address,
    stage_delivery,
    stage_quantity,
    stage_swap,
)

__all__ = [
    "CommitResult",
    "RestCancelled",
    "abandon_edit",
    "begin_edit",
    "cancel_order",
    "cancel_refusals",
    "cancel_unshipped",
    "commit_edit",
    "customer_edits_this_month",
    "edit_refusals",
    "order_view",
    "plan_rest",
    "policy_view",
    "refusals_for",
    "reset_edit",
    "rest_refusals",
    "restore_line",
    "stage_addition",
    "stage_address",
    "stage_delivery",
    "stage_quantity",
    "stage_swap",
]
