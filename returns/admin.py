"""The merchant's return policy (one row) and reasons in admin. Both staff groups read them; only managers
change them (returns/migrations/0002_reasons_and_staff.py grants the permissions). The returns queue and each
return's page act across apps, so they are desk's (desk.return_admin)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from returns.constants import DEFAULT_REASONS
from returns.models import ReturnPolicy, ReturnReason


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enabled", "window_days", "shipping_payer", "exchanges_allowed", "refund_to"]
    fieldsets = [
        (None, {"fields": ["enabled", "window_days", "personalized_returnable", "auto_approve"]}),
        (_("Money"), {"fields": ["shipping_payer", "shipping_fee", "refund_to"]}),
        (_("Exchanges and the return slip"), {"fields": ["exchanges_allowed", "return_address"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ReturnPolicy.objects.exists()  # one per store

    def has_delete_permission(self, request, obj=None):
        return False


class ReturnReasonForm(forms.ModelForm):
    class Meta:
        model = ReturnReason
        fields = ["code", "label", "store_fault", "restocking_fee_percent", "is_active", "position"]

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("code") or getattr(self.instance, "code", "")
        if code and code not in DEFAULT_REASONS and not (cleaned.get("label") or "").strip():
            self.add_error("label", _("A reason of your own needs the label shoppers read."))
        return cleaned


@admin.register(ReturnReason)
class ReturnReasonAdmin(admin.ModelAdmin):
    form = ReturnReasonForm
    list_display = ["reason", "code", "store_fault", "restocking_fee_percent", "is_active", "position"]
    list_display_links = ["reason"]
    list_editable = ["restocking_fee_percent", "is_active", "position"]
    ordering = ["position", "pk"]

    @admin.display(description=_("reason"))
    def reason(self, obj):
        return obj.shown_label

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []  # returns and their events keep the code

    def has_delete_permission(self, request, obj=None):
        return False  # returns keep their reasons: take one out of the shoppers' list instead
