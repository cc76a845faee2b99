from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from storefront.models import (
    DiscountCode,
    PickupLocation,
    Product,
    ShippingMethod,
    ShippingRate,
    StoreSettings,
    TaxRate,
    Variant,
)


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "currency", "prices_include_tax", "edit_window_minutes", "support_email"]

    def has_add_permission(self, request):
        return not StoreSettings.objects.exists()  # one store per deploy


class VariantInline(TranslationTabularInline):
    model = Variant
    extra = 0
    fields = ["name", "sku", "options", "price", "stock", "track_inventory", "weight_grams", "is_fee", "position"]


@admin.register(Product)
class ProductAdmin(TranslationAdmin):
    list_display = ["name", "slug", "is_active", "is_customizable", "is_returnable"]
    list_filter = ["is_active", "is_customizable", "is_returnable"]
    search_fields = ["name", "slug", "variants__sku"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VariantInline]


@admin.register(Variant)
class VariantAdmin(TranslationAdmin):
    list_display = ["sku", "product", "name", "price", "stock", "track_inventory", "is_fee"]
    list_filter = ["track_inventory", "is_fee", "product"]
    search_fields = ["sku", "name", "product__name"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]


class ShippingRateInline(admin.TabularInline):
    model = ShippingRate
    extra = 0


@admin.register(ShippingMethod)
class ShippingMethodAdmin(TranslationAdmin):
    list_display = ["name", "code", "carrier", "is_active", "position"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    inlines = [ShippingRateInline]


@admin.register(PickupLocation)
class PickupLocationAdmin(TranslationAdmin):
    list_display = ["name", "country", "hours", "is_active"]
    list_filter = ["country", "is_active"]
    search_fields = ["name", "address"]


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["country", "region", "name", "rate"]
    list_filter = ["country"]
    search_fields = ["country", "region"]


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "percent", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code"]
