"""The edit flow as JSON (/api/v1/me/orders/<number>/edits/...): the same services as the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import step_up
from core import reasons
from core.api_fields import MAX_ID, StrictCharField, StrictChoiceField, StrictIntegerField
from core.api_params import KnownQueryParams
from core.api_schema import answers
from core.errors import ApplicationError
from core.money import MONEY_DIGITS
from core.reasons import Reason
from editing import api_examples as examples
from editing import cancellation, commit, selectors, staging
from editing.errors import EditConflict
from editing.models import EditSession
from editing.rules import MAX_LINE_QUANTITY
from orders.constants import ActorKind
from orders.selectors import customer_order_for_edit
from storefront.countries import CountryCodeField


class PlannedLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(allow_null=True)
    variant_id = serializers.IntegerField(allow_null=True)
    product_name = serializers.CharField()
    variant_name = serializers.CharField()
    change = serializers.ChoiceField(choices=["unchanged", "changed", "added", "removed", "swapped"])
    before_quantity = serializers.IntegerField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(**MONEY_DIGITS)
    before_total = serializers.DecimalField(**MONEY_DIGITS)
    total = serializers.DecimalField(**MONEY_DIGITS)


class TotalsSerializer(serializers.Serializer):
    subtotal = serializers.DecimalField(**MONEY_DIGITS)
    discount = serializers.DecimalField(**MONEY_DIGITS)
    shipping = serializers.DecimalField(**MONEY_DIGITS)
    tax = serializers.DecimalField(**MONEY_DIGITS)
    total = serializers.DecimalField(**MONEY_DIGITS)


class PreviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="session.pk")
    # The order's content version: money moving in the background (a refund landing) doesn't change it.
    version = serializers.IntegerField(source="session.base_content_version")
    status = serializers.CharField(source="session.status")
    staged = serializers.JSONField(source="session.staged")
    lines = PlannedLineSerializer(source="plan.lines", many=True, allow_null=True)
    before = serializers.SerializerMethodField()
    after = TotalsSerializer(allow_null=True)
    paid = serializers.DecimalField(source="held", **MONEY_DIGITS)
    to_pay = serializers.DecimalField(**MONEY_DIGITS)
    to_refund = serializers.DecimalField(**MONEY_DIGITS)
    error = serializers.SerializerMethodField()

    def get_before(self, preview) -> dict:
        order = preview.order
        return {
            "subtotal": str(order.subtotal),
            "discount": str(order.discount_total),
            "shipping": str(order.shipping_total),
            "tax": str(order.tax_total),
            "total": str(order.total),
        }

    def get_error(self, preview) -> dict | None:
        return preview.error.as_dict() if preview.error else None


class AddressSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    company = StrictCharField(max_length=200, required=False, allow_blank=True)
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True)
    city = StrictCharField(max_length=100)
    region = StrictCharField(max_length=100, required=False, allow_blank=True)
    postal_code = StrictCharField(max_length=20, required=False, allow_blank=True)
    country = CountryCodeField()
    phone = StrictCharField(max_length=40, required=False, allow_blank=True)


class ChangeSerializer(serializers.Serializer):
    """One staged change. ``type`` says which of the other fields it needs (without them: 422)."""

    type = StrictChoiceField(choices=["quantity", "remove", "swap", "add", "address", "delivery"])
    line_id = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="quantity, remove, swap: the order line."
    )
    variant_id = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="swap, add: the variant.")
    quantity = StrictIntegerField(
        required=False, min_value=0, max_value=MAX_LINE_QUANTITY, help_text="quantity, add: how many."
    )
    address = AddressSerializer(required=False, help_text="address: the new shipping address.")
    shipping_method_id = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="delivery: a method, or …"
    )
    pickup_location_id = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="delivery: … a pickup location."
    )

    NEEDS = {
        "quantity": ("line_id", "quantity"),
        "remove": ("line_id",),
        "swap": ("line_id", "variant_id"),
        "add": ("variant_id", "quantity"),
        "address": ("address",),
    }

    def validate(self, data):
        # A rule the schema cannot say (which fields a type needs): refused as asked, 422.
        missing = [name for name in self.NEEDS.get(data["type"], ()) if name not in data]
        if data["type"] == "delivery" and ("shipping_method_id" in data) == ("pickup_location_id" in data):
            missing = ["shipping_method_id"]
        if missing:
            raise ApplicationError(
                f"A {data['type']} change needs {', '.join(missing)}.",
                code="change_incomplete",
                fields={name: ["This field is required."] for name in missing},
            )
        return data


class CommitSerializer(serializers.Serializer):
    version = StrictIntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The order's content version the preview was made on (`version` in the preview). "
        "Payments and refunds recorded since don't change it; a change to the order itself does (409).",
    )


class SettlementSerializer(serializers.Serializer):
    number = serializers.IntegerField(source="order.number")
    # The order's version as its pages show it (every change); a new edit's preview carries its own.
    version = serializers.IntegerField(source="order.version")
    total = serializers.DecimalField(source="order.total", **MONEY_DIGITS)
    financial_status = serializers.CharField(source="order.financial_status")
    to_pay = serializers.SerializerMethodField()
    refund = serializers.SerializerMethodField()

    def get_to_pay(self, result) -> str | None:
        request = result.settlement.payment_request
        return str(request.amount) if request else None

    def get_refund(self, result) -> dict | None:
        settled = result.settlement
        if not settled.refunds:
            return None
        status = "awaiting_approval" if settled.refund_awaits_approval else "pending"
        return {"amount": str(settled.refund_amount), "status": status}


class CancelSerializer(serializers.Serializer):
    """Why, if the shopper says: ``reason_code`` (one of the shopper's cancel reasons) and a ``note`` kept as
    typed. ``reason`` is the older free-text field, still accepted: it is read as the "other" reason's note
    (or as the note of ``reason_code``, when that is given without one)."""

    reason_code = StrictChoiceField(
        choices=[code.value for code in reasons.SHOPPER_CANCEL_REASONS], required=False, allow_blank=True
    )
    note = StrictCharField(max_length=reasons.NOTE_MAX_LENGTH, required=False, allow_blank=True)
    reason = StrictCharField(
        max_length=reasons.NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Deprecated: free text, kept as the note of the reason “other”. Send reason_code and note.",
    )

    def reason_value(self) -> Reason:
        data = self.validated_data
        note = data.get("note") or data.get("reason") or ""
        return Reason(data.get("reason_code") or "", note)


def _session(request, number: int, session_id: int) -> EditSession:
    """The shopper's own edit of their own order; 404 for anyone else's."""
    return selectors.customer_edit_session(user=request.user, number=number, session_id=session_id, with_order=False)


def _preview(request, number: int, session_id: int) -> Response:
    session = selectors.customer_edit_session(user=request.user, number=number, session_id=session_id)
    return Response(PreviewSerializer(selectors.preview_edit(session=session)).data)


class EditList(KnownQueryParams, APIView):
    @extend_schema(
        request=None,
        responses=answers({201: (PreviewSerializer, examples.PREVIEW_OPEN)}, 403, 404, 409, 422),
        summary="Begin (or resume) editing an order",
    )
    def post(self, request, number: int):
        order = customer_order_for_edit(user=request.user, number=number)
        session = staging.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=request.user)
        response = _preview(request, number, session.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class EditDetail(KnownQueryParams, APIView):
    @extend_schema(
        responses=answers({200: (PreviewSerializer, examples.PREVIEW_STAGED)}, 403, 404),
        summary="The edit's preview: every line and total before and after",
    )
    def get(self, request, number: int, session_id: int):
        return _preview(request, number, session_id)

    @extend_schema(responses=answers({204: (None, None)}, 403, 404, 409, 422), summary="Abandon the edit")
    def delete(self, request, number: int, session_id: int):
        staging.abandon_edit(session_id=_session(request, number, session_id).pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EditChanges(KnownQueryParams, APIView):
    @extend_schema(
        request=ChangeSerializer,
        responses=answers({200: (PreviewSerializer, examples.PREVIEW_STAGED)}, 400, 403, 404, 409, 415, 422),
        summary="Stage one change",
    )
    def post(self, request, number: int, session_id: int):
        session = _session(request, number, session_id)
        change = ChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        data = change.validated_data
        kind = data["type"]
        if kind in ("quantity", "remove"):
            staging.stage_quantity(
                session_id=session.pk,
                line_id=data["line_id"],
                quantity=data.get("quantity", 0) if kind == "quantity" else 0,
            )
        elif kind == "swap":
            staging.stage_swap(session_id=session.pk, line_id=data["line_id"], variant_id=data["variant_id"])
        elif kind == "add":
            staging.stage_addition(session_id=session.pk, variant_id=data["variant_id"], quantity=data["quantity"])
        elif kind == "address":
            staging.stage_address(session_id=session.pk, address=data["address"])
        else:
            staging.stage_delivery(
                session_id=session.pk,
                method_id=data.get("shipping_method_id"),
                pickup_id=data.get("pickup_location_id"),
            )
        return _preview(request, number, session.pk)


class EditCommit(KnownQueryParams, APIView):
    @extend_schema(
        request=CommitSerializer,
        responses=answers({200: (SettlementSerializer, examples.SETTLEMENT)}, 400, 403, 404, 409, 415, 422),
        summary="Confirm the edit",
        description="403 step_up_required: a session opened by a link long ago confirms a move abroad with a "
        "fresh code first (fields.step_up_url).",
    )
    def post(self, request, number: int, session_id: int):
        session = _session(request, number, session_id)
        body = CommitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["version"] != session.base_content_version:
            raise EditConflict("The order changed since this preview. Review the new totals.")
        if selectors.moves_abroad(session):
            step_up.require_step_up(request)
        result = commit.commit_edit(
            session_id=session.pk, actor_kind=ActorKind.CUSTOMER, actor=request.user, order_id=session.order_id
        )
        return Response(SettlementSerializer(result).data)


class OrderCancel(KnownQueryParams, APIView):
    @extend_schema(
        request=CancelSerializer,
        responses=answers({200: (SettlementSerializer, examples.CANCELLED)}, 400, 403, 404, 409, 415, 422),
        summary="Cancel the order",
    )
    def post(self, request, number: int):
        order = customer_order_for_edit(user=request.user, number=number)
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        step_up.require_step_up(request)
        result = cancellation.cancel_order(
            order=order, actor_kind=ActorKind.CUSTOMER, actor=request.user, reason=body.reason_value()
        )
        return Response(SettlementSerializer(result).data)
