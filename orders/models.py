from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.money import MONEY_DIGITS
from core.reasons import WithReason
from orders.constants import (
    OPEN_REFUND_STATUSES,
    ActorKind,
    BackorderKind,
    DeliveryState,
    EventType,
    FinancialStatus,
    FulfillmentStatus,
    MoneySource,
    OrderStatus,
    PaymentRequestStatus,
    ReturnStatus,
    RiskLevel,
    TransactionKind,
    TransactionStatus,
)
from orders.credit_models import StoreCreditEntry  # noqa: F401 - the models of orders, kept in their own modules
from orders.gateway_models import GatewayEvent  # noqa: F401
from orders.invoice_models import Invoice, InvoiceSequence  # noqa: F401
from orders.owing_models import OwingCustomer  # noqa: F401
from orders.position import MoneyPosition, money_position
from orders.search import ORDER_SEARCH_INDEXES
from orders.tag_models import TagName  # noqa: F401


class Order(models.Model):
    number = models.PositiveIntegerField(_("number"), unique=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    email = models.EmailField(_("email"))
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    shipping_method = models.ForeignKey(
        "storefront.ShippingMethod", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shipping_method_name = models.CharField(_("shipping method"), max_length=200, blank=True)
    pickup_location = models.ForeignKey(
        "storefront.PickupLocation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discount_code = models.CharField(_("discount code"), max_length=50, blank=True)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=0)
    # A fixed amount off the goods that staff gave when placing a draft; edits keep it (spread over the lines).
    fixed_discount = models.DecimalField(_("fixed discount"), **MONEY_DIGITS, default=0)
    prices_include_tax = models.BooleanField(_("prices include tax"))
    tax_exempt = models.BooleanField(_("tax exempt"), default=False)
    # The buyer's EU VAT number as given at checkout (compact, validated), printed on the order's documents.
    vat_id = models.CharField(_("VAT ID"), max_length=32, blank=True)

    subtotal = models.DecimalField(_("subtotal"), **MONEY_DIGITS)
    discount_total = models.DecimalField(_("discount"), **MONEY_DIGITS)
    shipping_total = models.DecimalField(_("shipping"), **MONEY_DIGITS)
    shipping_tax_rate = models.DecimalField(_("shipping tax rate"), max_digits=6, decimal_places=4, default=0)
    tax_total = models.DecimalField(_("tax"), **MONEY_DIGITS)
    total = models.DecimalField(_("total"), **MONEY_DIGITS)
    # Sums of successful transactions, kept in step by the services that record them.
    captured_total = models.DecimalField(_("paid"), **MONEY_DIGITS, default=0)
    refunded_total = models.DecimalField(_("refunded"), **MONEY_DIGITS, default=0)
    # Given back by staff outside an edit (goodwill discounts, refunds with or without a return): later
    # edits settle against total − adjustments, so a re-priced order never bills those back.
    adjustment_total = models.DecimalField(_("goodwill and returns"), **MONEY_DIGITS, default=0)
    # What the store decided to keep beyond what the order costs (a refund staff declined, a cancellation
    # without a refund): part of what is due, so it is never shown as owed back nor refunded by a later
    # change; money staff give back later comes out of it first (orders.services.kernel.give_back).
    # The shopper owes on it (``position.balance_due`` above zero), kept by every save (orders.services.kernel).
    owes = models.BooleanField(_("balance due"), default=False, editable=False)
    kept_total = models.DecimalField(_("kept by the store"), **MONEY_DIGITS, default=0)

    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    financial_status = models.CharField(
        _("payment status"), max_length=20, choices=FinancialStatus.choices, default=FinancialStatus.PENDING
    )
    fulfillment_status = models.CharField(
        _("fulfilment status"), max_length=20, choices=FulfillmentStatus.choices, default=FulfillmentStatus.UNFULFILLED
    )
    # Where the order's latest return stands (set by the returns app under the order's lock), blank: none.
    return_status = models.CharField(
        _("return status"), max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.NONE, blank=True
    )
    tags = ArrayField(models.CharField(max_length=50), verbose_name=_("tags"), default=list, blank=True)
    risk_level = models.CharField(_("risk"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    # Bumped by every change that shows (caches key on it); ``content_version`` only by changes to what an
    # edit is built from and checked against, so bookkeeping (a refund landing) leaves staged edits valid.
    version = models.PositiveIntegerField(_("version"), default=1)
    content_version = models.PositiveIntegerField(_("content version"), default=1)
    edit_window_ends_at = models.DateTimeField(_("edit window ends"), null=True, blank=True)
    address_changes = models.PositiveSmallIntegerField(_("address changes"), default=0)
    on_fulfillment_hold = models.BooleanField(_("on fulfilment hold"), default=False)

    placed_at = models.DateTimeField(_("placed"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    cancelled_at = models.DateTimeField(_("canceled"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_customer_recent"),
            models.Index(fields=["-placed_at", "-id"], name="order_recent"),  # the admin's list, newest first
            models.Index(fields=["status", "financial_status", "fulfillment_status"], name="order_statuses"),
            models.Index(fields=["updated_at"], name="order_updated"),
            models.Index(fields=["email"], name="order_email"),
            # The admin's return-status filter: few orders have a return.
            models.Index(
                fields=["return_status", "-placed_at"], condition=~models.Q(return_status=""), name="order_with_returns"
            ),
            *ORDER_SEARCH_INDEXES,
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_not_negative"),
            # An order from another system arrives once, however often (or concurrently) it is sent.
            models.UniqueConstraint(
                fields=["external_id"], condition=~models.Q(external_id=""), name="order_external_id_once"
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_total__lte=models.F("captured_total")), name="order_refund_within_captured"
            ),
            # A content change is a change: it bumps both (orders.services.kernel.save_change).
            models.CheckConstraint(
                condition=models.Q(content_version__lte=models.F("version")), name="order_content_within_version"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def amount_due(self):
        """What the order costs the shopper now: its total less what staff gave back outside edits, plus what
        the store decided to keep."""
        return max(self.total - self.adjustment_total, 0) + self.kept_total

    @property
    def position(self) -> MoneyPosition:
        """Every money figure shown about this order (orders.position). Pages' selectors read the refunds
        on their way with the order (``refunding``); read alone, it costs one query."""
        refunding = getattr(self, "refunding", None)
        if refunding is None:
            refunding = self.transactions.filter(
                kind=TransactionKind.REFUND, status__in=OPEN_REFUND_STATUSES
            ).aggregate(total=models.Sum("amount"))["total"] or Decimal("0")
        return money_position(
            currency=self.currency,
            total=self.total,
            adjustment_total=self.adjustment_total,
            captured_total=self.captured_total,
            refunded_total=self.refunded_total,
            refunding=refunding,
            cancelled=self.status == OrderStatus.CANCELLED,
            kept_total=self.kept_total,
        )

    @property
    def balance(self):
        """What the shopper still owes (positive) or is owed back and not yet on its way (negative)."""
        position = self.position
        return position.balance_due - position.credit_due

    def hold(self, now=None):
        """Why the order is kept from the warehouse and until when, as (reason, until): ("edit_window", its
        end) while the shopper may still change it, then ("awaiting_payment", the Pay now request's expiry,
        or None until it is paid or staff release it); (None, None) when it is free to ship."""
        if not self.on_fulfillment_hold:
            return None, None
        now = now or timezone.now()
        if self.edit_window_ends_at is not None and self.edit_window_ends_at > now:
            return "edit_window", self.edit_window_ends_at
        requests = getattr(self, "open_payment_requests", None)
        if requests is None:
            requests = list(self.payment_requests.filter(status=PaymentRequestStatus.OPEN))
        return "awaiting_payment", (requests[0].expires_at if requests else None)

    def is_pickup(self) -> bool:
        return self.pickup_location_id is not None

    def can_cancel(self) -> bool:
        return self.status == OrderStatus.OPEN and self.fulfillment_status == FulfillmentStatus.UNFULFILLED


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "storefront.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_name = models.CharField(_("product"), max_length=200)
    variant_name = models.CharField(_("variant"), max_length=200, blank=True)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    fulfilled_quantity = models.PositiveIntegerField(_("fulfilled"), default=0)
    # Frozen at placing: an edit or a catalog change never re-prices what was bought.
    unit_price = models.DecimalField(_("unit price"), **MONEY_DIGITS)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=6, decimal_places=4)
    subtotal = models.DecimalField(_("subtotal"), **MONEY_DIGITS)
    discount_amount = models.DecimalField(_("discount"), **MONEY_DIGITS, default=0)
    tax_amount = models.DecimalField(_("tax"), **MONEY_DIGITS)
    total = models.DecimalField(_("total"), **MONEY_DIGITS)
    # The buyer's group discount on this line, when one applied: the unit price before it (in the same terms as
    # ``unit_price``) and its percent, so pages can say why the line costs less ("Member price −10%").
    list_price = models.DecimalField(_("price before group discount"), **MONEY_DIGITS, null=True, blank=True)
    group_discount_percent = models.DecimalField(_("group discount (%)"), max_digits=5, decimal_places=2, default=0)
    is_free = models.BooleanField(_("free item"), default=False)
    is_fee = models.BooleanField(_("fee"), default=False)
    is_custom = models.BooleanField(_("custom item"), default=False)
    customization = models.CharField(_("personalization"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Reported by the warehouse before dispatch: how many can't go out yet, why, and when they might.
    backordered_quantity = models.PositiveIntegerField(_("backordered"), default=0)
    backorder_kind = models.CharField(_("backorder"), max_length=12, choices=BackorderKind.choices, blank=True)
    backorder_expected = models.DateField(_("expected"), null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fulfilled_quantity__lte=models.F("quantity")), name="line_fulfilled_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name} {self.variant_name}".strip()

    @property
    def is_customized(self) -> bool:
        return bool(self.customization)

    # What pages and emails show: the catalog's current name in the reader's language while the line's variant
    # exists (read with the line by ``orders.selectors``), else the name frozen on the line when it was bought,
    # which stays as the record (docs/decisions.md, "Names in the reader's language").
    @property
    def shown_product_name(self) -> str:
        return getattr(self, "catalog_product_name", None) or self.product_name

    @property
    def shown_variant_name(self) -> str:
        return getattr(self, "catalog_variant_name", None) or self.variant_name

    @property
    def has_group_price(self) -> bool:
        return self.list_price is not None and self.list_price > self.unit_price

    @property
    def price_before_discounts(self) -> Decimal | None:
        """What the line would cost without the buyer's group discount and the order's code (in the terms of
        ``total``), or None when neither took anything off it."""
        list_price = self.list_price if self.has_group_price else None
        if list_price is None and not self.discount_amount:
            return None
        return (list_price or self.unit_price) * self.quantity

    @property
    def unfulfilled_quantity(self) -> int:
        return self.quantity - self.fulfilled_quantity


class Fulfillment(models.Model):
    """A shipment (or a pickup parcel) with its tracking and delivery state."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfillments")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    tracking_url = models.URLField(_("tracking link"), max_length=500, blank=True)
    delivery_state = models.CharField(
        _("delivery state"), max_length=20, choices=DeliveryState.choices, default=DeliveryState.IN_TRANSIT
    )
    estimated_arrival = models.DateField(_("estimated arrival"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["order_id", "shipped_at", "id"]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip() or f"#{self.pk}"

    @property
    def delivery_label(self) -> str:
        """What shoppers read: "Arriving on 24 November" while in transit with a date, else the state's name."""
        if self.delivery_state == DeliveryState.IN_TRANSIT and self.estimated_arrival:
            return _("Arriving on %(date)s") % {"date": date_format(self.estimated_arrival, "MONTH_DAY_FORMAT")}
        return self.get_delivery_state_display()


class FulfillmentLine(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="fulfillment_lines")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="fulfillment_line_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"


class Transaction(WithReason, models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(_("kind"), max_length=10, choices=TransactionKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY_DIGITS)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=20, choices=TransactionStatus.choices, default=TransactionStatus.PENDING
    )
    source = models.CharField(_("source"), max_length=20, choices=MoneySource.choices, default=MoneySource.CHECKOUT)
    gateway = models.CharField(_("gateway"), max_length=50, default="test")
    gateway_reference = models.CharField(_("gateway reference"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    error = models.TextField(_("error"), blank=True)
    credit_memo = models.ForeignKey(
        "CreditMemo", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    # A refund goes back through the charge it returns money from.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Bumped when staff retry a failed refund: the processor remembers a key's failure, so a retry needs a new key.
    retry_round = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["order_id", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="transaction_amount_positive")]
        indexes = [models.Index(fields=["kind", "status"], name="transaction_kind_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def gateway_key(self) -> str:
        """The idempotency key sent to the processor: the row's id (and the staff retry, if any)."""
        return f"{self.kind}-{self.pk}" + (f"-retry{self.retry_round}" if self.retry_round else "")


class CreditMemo(WithReason, models.Model):
    """What the shopper is owed back and why; the refund (a Transaction) pays it."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="credit_memos")
    amount = models.DecimalField(_("amount"), **MONEY_DIGITS)
    currency = models.CharField(_("currency"), max_length=3)
    source = models.CharField(_("source"), max_length=20, choices=MoneySource.choices)
    # The invoice this memo corrects (the order's, when it has one).
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_memos", verbose_name=_("invoice")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit memo")
        verbose_name_plural = _("credit memos")
        ordering = ["order_id", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_memo_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.get_source_display()})"

    @property
    def number(self) -> str:
        return f"CM-{self.pk:06d}"


class PaymentRequest(WithReason, models.Model):
    """A balance the shopper owes after an edit, paid through a "Pay now" link."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payment_requests")
    amount = models.DecimalField(_("amount"), **MONEY_DIGITS)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=12, choices=PaymentRequestStatus.choices, default=PaymentRequestStatus.OPEN
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    # The schedule decided when it was sent (days after creation) and how far it has got.
    reminder_days = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    payment = models.OneToOneField(
        "Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="payment_request"
    )

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["order_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_request_amount_positive"),
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(status="open"), name="one_open_payment_request_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.get_status_display()})"


class OrderEvent(models.Model):
    """The order's timeline. Written only through ``orders.events``; never edited."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    actor_kind = models.CharField(_("actor"), max_length=20, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    customer_visible = models.BooleanField(_("shown to the customer"), default=False)
    order_version = models.PositiveIntegerField(_("order version"))
    # Defaults to now; an order imported or placed with an earlier time records its placing then.
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["order_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.get_type_display()
