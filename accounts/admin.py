from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Address, CustomerGroup, CustomerProfile, StaffSignInAttempt, User


class ProfileInline(admin.StackedInline):
    model = CustomerProfile
    can_delete = False
    autocomplete_fields = ["group"]


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "profile_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "profile__group", "profile__tax_exempt", "date_joined"]
    search_fields = ["email", "profile__name"]
    list_select_related = ["profile"]
    inlines = [ProfileInline, AddressInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(description=_("name"), ordering="profile__name")
    def profile_name(self, obj):
        return getattr(getattr(obj, "profile", None), "name", "")


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "discount_percent"]
    search_fields = ["name"]


@admin.register(CustomerProfile)
class CustomerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "language", "time_zone", "group", "tax_exempt", "marketing_consent"]
    list_filter = ["language", "group", "tax_exempt", "marketing_consent"]
    search_fields = ["user__email", "name", "vat_id"]
    list_select_related = ["user", "group"]
    autocomplete_fields = ["user", "group"]


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "city", "country", "is_default"]
    list_filter = ["country", "is_default"]
    search_fields = ["user__email", "name", "line1", "city", "postal_code"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(StaffSignInAttempt)
class StaffSignInAttemptAdmin(admin.ModelAdmin):
    """The admin sign-in log: superusers read it; nobody adds, changes or deletes a row (the pruning job does)."""

    list_display = ("created_at", "email", "user", "address", "outcome", "user_agent")
    list_filter = ["outcome", "created_at"]
    search_fields = ["email", "address"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = ("created_at", "email", "user", "address", "outcome", "user_agent")
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
