from django.contrib import admin

from notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "recipient", "language", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "language", "created_at"]
    search_fields = ["recipient", "subject", "dedupe_key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False  # messages come from notify(), never typed in
