"""Property tests: whatever mix of changes a shopper commits, totals agree with the lines and stock is conserved."""

from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from demo.loader import load_catalog
from editing import services as editing
from editing.errors import EditError
from editing.models import EditPolicy
from orders.constants import ActorKind
from orders.models import OrderLine
from storefront.models import Variant
from tests.editing.conftest import ADDRESS_DE, place

CODES = [
    "WOOL-SOCKS-M-GREY",
    "WOOL-SOCKS-L-GREY",
    "CERAMIC-MUG-WHITE",
    "ORGANIC-COTTON-TEE-M-WHITE",
    "ORGANIC-COTTON-TEE-L-BLACK",
]

change = st.one_of(
    st.tuples(st.just("quantity"), st.integers(0, 2), st.integers(0, 6)),
    st.tuples(st.just("swap"), st.integers(0, 2), st.sampled_from(CODES)),
    st.tuples(st.just("add"), st.sampled_from(CODES), st.integers(1, 4)),
    st.tuples(st.just("address"), st.sampled_from(["NL", "DE"]), st.just(0)),
)


class EditProperties(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_catalog()
        EditPolicy.objects.update(address_same_country_only=False, max_address_changes=None, max_quantity_increase=None)

    def units_held(self) -> dict[int, int]:
        """Per variant: stock on the shelf plus units sitting in orders. Edits only move units between them."""
        held = {v.pk: v.stock for v in Variant.objects.filter(sku__in=CODES)}
        for line in OrderLine.objects.filter(variant_id__in=held):
            held[line.variant_id] += line.quantity
        return held

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(change, min_size=1, max_size=5), st.booleans())
    def test_commit_keeps_totals_in_step_and_conserves_stock(self, changes, staff):
        order = place([(CODES[0], 1), (CODES[2], 2), (CODES[3], 1)])
        held_before = self.units_held()
        actor_kind = ActorKind.STAFF if staff else ActorKind.CUSTOMER
        actor = None if staff else order.customer
        session = editing.begin_edit(order=order, actor_kind=actor_kind, actor=actor)
        lines = list(order.lines.order_by("pk"))
        for kind, a, b in changes:
            try:
                if kind == "quantity":
                    editing.stage_quantity(session_id=session.pk, line_id=lines[a].pk, quantity=b)
                elif kind == "swap":
                    editing.stage_swap(
                        session_id=session.pk, line_id=lines[a].pk, variant_id=Variant.objects.get(sku=b).pk
                    )
                elif kind == "add":
                    editing.stage_addition(session_id=session.pk, variant_id=Variant.objects.get(sku=a).pk, quantity=b)
                else:
                    address = ADDRESS_DE if a == "DE" else {**ADDRESS_DE, "country": "NL", "city": "Utrecht"}
                    editing.stage_address(session_id=session.pk, address=address)
            except EditError:
                pass  # a refused change leaves the staged set as it was
        try:
            result = editing.commit_edit(session_id=session.pk, actor_kind=actor_kind, actor=actor)
        except EditError as error:
            assert error.code == "no_changes"
            return
        order = result.order
        order.refresh_from_db()
        after = list(order.lines.all())
        assert order.subtotal == sum(line.subtotal for line in after)
        assert order.discount_total == sum(line.discount_amount for line in after)
        assert order.tax_total == sum(line.tax_amount for line in after) + (
            (order.shipping_total * order.shipping_tax_rate / (1 + order.shipping_tax_rate)).quantize(D("0.01"))
            if order.shipping_tax_rate
            else D("0")
        )
        assert order.total == order.subtotal - order.discount_total + order.shipping_total
        for line in after:
            assert line.quantity > 0 and line.total == line.subtotal - line.discount_amount
        assert self.units_held() == held_before
        owed = order.total - order.captured_total
        settled = result.settlement
        if owed > 0:
            assert settled.payment_request.amount == owed
        elif owed < 0:
            assert settled.refund_amount == -owed
