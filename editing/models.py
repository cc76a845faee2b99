from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.cache import CachedSettingsRow
from editing.constants import SessionStatus
from editing.staged import StagedChanges
from orders.constants import ActorKind


def default_reminder_days() -> list[int]:
    return [1, 3]


class EditPolicy(CachedSettingsRow):
    """The merchant's rules for what shoppers may change after checkout (one row: ``EditPolicy.load()``).

    The edit window itself is ``StoreSettings.edit_window_minutes``: placing an order sets the
    fulfilment hold from it, below this app. The policy admin edits it alongside these fields.
    """

    enabled = models.BooleanField(_("shoppers may edit orders"), default=True)
    allow_address = models.BooleanField(_("change shipping address"), default=True)
    allow_delivery = models.BooleanField(_("change shipping method or pickup"), default=True)
    allow_swap = models.BooleanField(_("swap size or colour"), default=True)
    allow_add = models.BooleanField(_("add items"), default=True)
    allow_remove = models.BooleanField(_("remove items"), default=True)
    allow_quantity = models.BooleanField(_("change quantities"), default=True)
    allow_cancel = models.BooleanField(_("cancel the order"), default=True)
    lock_discounted_orders = models.BooleanField(_("lock orders placed with a discount code"), default=True)
    max_quantity_increase = models.PositiveSmallIntegerField(
        _("max quantity increase per line"), null=True, blank=True, default=5, help_text=_("Empty: no limit.")
    )
    address_same_country_only = models.BooleanField(_("new address must be in the same country"), default=True)
    max_address_changes = models.PositiveSmallIntegerField(
        _("address changes per order"), null=True, blank=True, default=2, help_text=_("Empty: no limit.")
    )
    block_address_change_high_risk = models.BooleanField(_("no address changes on high-risk orders"), default=True)
    monthly_edit_allowance = models.PositiveIntegerField(
        _("shopper edits per month (whole store)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: unlimited. Staff edits don't count."),
    )
    refund_automatically = models.BooleanField(
        _("refund automatically"), default=True, help_text=_("Off: refunds wait for staff approval.")
    )
    payment_due_days = models.PositiveSmallIntegerField(
        _("days to pay a balance"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("After this the Pay now link expires and the merchant is told."),
    )
    payment_reminder_days = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1)]),
        verbose_name=_("reminders after (days)"),
        default=default_reminder_days,
        blank=True,
        help_text=_("Comma-separated, e.g. 1,3: a reminder email that many days after the Pay now link was sent."),
    )
    revert_unpaid_edits = models.BooleanField(
        _("undo edits left unpaid"),
        default=True,
        help_text=_("When a Pay now link expires, put the order back as it was before that edit."),
    )

    cache_key = "editing:policy"  # cached() for pages that only show what a shopper may do

    class Meta:
        verbose_name = _("edit policy")
        verbose_name_plural = _("edit policy")

    def __str__(self) -> str:
        return str(_("Edit policy"))

    @classmethod
    def load(cls) -> "EditPolicy":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class EditSession(models.Model):
    """Changes staged against one content version of an order; committed at most once."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="edit_sessions")
    # ``Order.content_version``, not ``version``: bookkeeping since (a refund landing) leaves the session valid.
    base_content_version = models.PositiveIntegerField(_("order content version"))
    actor_kind = models.CharField(_("actor"), max_length=20, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    # {"quantities": {line_id: qty}, "swaps": {line_id: variant_id}, "additions": {variant_id: qty},
    #  "address": {...} | null, "delivery": {"method": id} | {"pickup": id} | null}: read and written
    # as ``staged_changes`` (editing.staged.StagedChanges).
    staged = models.JSONField(_("staged changes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    committed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # Set on commit: the order as it was before (to undo an edit left unpaid) and what it asked to pay.
    # ``committed_version`` is ``Order.version``: the undo looks for any event after it (OrderEvent.order_version).
    committed_version = models.PositiveIntegerField(_("order version after"), null=True, blank=True)
    restore_point = models.JSONField(_("order before the edit"), null=True, blank=True, editable=False)
    payment_request = models.OneToOneField(
        "orders.PaymentRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="edit_session"
    )

    class Meta:
        verbose_name = _("edit session")
        verbose_name_plural = _("edit sessions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["order", "status"], name="edit_session_order_status"),
            models.Index(fields=["actor_kind", "status", "committed_at"], name="edit_session_committed"),
        ]

    def __str__(self) -> str:
        return f"#{self.order_id} v{self.base_content_version} ({self.get_status_display()})"

    @property
    def staged_changes(self) -> StagedChanges:
        return StagedChanges.from_json(self.staged)

    @staged_changes.setter
    def staged_changes(self, changes: StagedChanges) -> None:
        self.staged = changes.to_json()
