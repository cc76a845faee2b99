from django.urls import path

from orders import checkout_views, invoice_views, pay_views, views

app_name = "orders"
urlpatterns = [
    path("account/orders/", views.order_list, name="list"),
    path("account/orders/<int:number>/", views.order_detail, name="detail"),
    path("account/orders/<int:number>/pay/", pay_views.pay_balance, name="pay-balance"),
    path("account/orders/<int:number>/invoice/", invoice_views.account_invoice, name="invoice"),
    path("account/orders/<int:number>/invoice.pdf", invoice_views.account_invoice_pdf, name="invoice-pdf"),
    path("orders/status/<str:token>/", views.order_status, name="status"),
    path("orders/status/<str:token>/pay/", pay_views.pay_balance_by_link, name="pay-balance-by-link"),
    path("orders/status/<str:token>/invoice/", invoice_views.status_invoice, name="status-invoice"),
    path("orders/status/<str:token>/invoice.pdf", invoice_views.status_invoice_pdf, name="status-invoice-pdf"),
    path("checkout/", checkout_views.checkout, name="checkout"),
    path("pay/<str:token>/", pay_views.pay, name="pay"),
]
