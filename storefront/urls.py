from django.urls import path

from storefront import views

app_name = "storefront"
urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
    path("cart/", views.cart_page, name="cart"),
]
