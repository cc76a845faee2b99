from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("account/orders/", views.order_list, name="list"),
    path("account/orders/<int:number>/", views.order_detail, name="detail"),
    path("orders/status/<str:token>/", views.order_status, name="status"),
]
