"""Staff manage API keys (the raw key is shown once), webhook endpoints and their deliveries."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from integrations import services
from integrations.models import ApiKey, WebhookDelivery, WebhookEndpoint


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scopes", "requests_per_minute", "is_active", "last_used_at"]
    fields = ["name", "scopes", "requests_per_minute", "is_active", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, raw = services.create_api_key(
            name=obj.name, scopes=obj.scopes, requests_per_minute=obj.requests_per_minute
        )
        obj.pk, obj.prefix, obj.key_hash = key.pk, key.prefix, key.key_hash
        messages.warning(request, _("The new key, shown only this once: %(key)s") % {"key": raw})


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "events", "is_active", "consecutive_failures", "disabled_at"]
    readonly_fields = ["consecutive_failures", "disabled_at", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "endpoint", "status", "created_at", "delivered_at"]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "endpoint",
        "event",
        "order_event",
        "payload",
        "status",
        "attempts",
        "created_at",
        "delivered_at",
    ]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Re-send selected deliveries"))
    def resend(self, request, queryset):
        sent = [services.resend(delivery=delivery) for delivery in queryset]
        count, delivered = sent.count(True), sent.count(False)
        if count:
            messages.success(
                request,
                ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
                % {"count": count},
            )
        if delivered:
            messages.warning(
                request,
                ngettext(
                    "%(count)d delivery was already delivered and is not sent again.",
                    "%(count)d deliveries were already delivered and are not sent again.",
                    delivered,
                )
                % {"count": delivered},
            )
