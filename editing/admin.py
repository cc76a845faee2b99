from django import forms
from django.contrib import admin
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from editing.models import EditPolicy, EditSession
from storefront.models import StoreSettings


class EditPolicyForm(forms.ModelForm):
    # Stored on StoreSettings (placing an order needs it for the fulfilment hold); edited here with the policy.
    edit_window_minutes = forms.IntegerField(
        label=_("edit window (minutes)"),
        required=False,
        validators=[MinValueValidator(3)],
        help_text=_("From 3 minutes up. Empty: no time limit. Orders stay on fulfilment hold until it ends."),
    )

    merchant_alert_email = forms.EmailField(
        label=_("alert email"),
        required=False,
        help_text=_("Where the store is told about edits, failed refunds and unpaid edits."),
    )

    class Meta:
        model = EditPolicy
        fields = [f.name for f in EditPolicy._meta.fields if f.name != "id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        store = StoreSettings.load()
        self.fields["edit_window_minutes"].initial = store.edit_window_minutes
        self.fields["merchant_alert_email"].initial = store.alert_email

    def save(self, commit=True):
        store = StoreSettings.load()
        store.edit_window_minutes = self.cleaned_data["edit_window_minutes"]
        store.alert_email = self.cleaned_data["merchant_alert_email"]
        store.save(update_fields=["edit_window_minutes", "alert_email"])
        return super().save(commit)


@admin.register(EditPolicy)
class EditPolicyAdmin(admin.ModelAdmin):
    form = EditPolicyForm
    list_display = ["__str__", "enabled", "refund_automatically", "monthly_edit_allowance", "payment_due_days"]
    fieldsets = [
        (None, {"fields": ["enabled", "edit_window_minutes", "merchant_alert_email", "refund_automatically"]}),
        (
            _("What shoppers may change"),
            {
                "fields": [
                    "allow_address",
                    "allow_delivery",
                    "allow_swap",
                    "allow_add",
                    "allow_remove",
                    "allow_quantity",
                    "allow_cancel",
                ]
            },
        ),
        (
            _("Balances to pay"),
            {"fields": ["payment_due_days", "payment_reminder_days", "revert_unpaid_edits"]},
        ),
        (
            _("Limits"),
            {
                "fields": [
                    "lock_discounted_orders",
                    "max_quantity_increase",
                    "address_same_country_only",
                    "max_address_changes",
                    "block_address_change_high_risk",
                    "monthly_edit_allowance",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return not EditPolicy.objects.exists()  # one policy per store

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EditSession)
class EditSessionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "order",
        "actor_kind",
        "actor",
        "status",
        "base_content_version",
        "created_at",
        "committed_at",
    ]
    list_filter = ["status", "actor_kind", "created_at"]
    search_fields = ["=order__number", "actor__email"]
    list_select_related = ["order", "actor"]
    readonly_fields = [f.name for f in EditSession._meta.fields]

    def has_add_permission(self, request):
        return False
