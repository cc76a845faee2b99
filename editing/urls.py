from django.urls import path

from editing import views

app_name = "editing"
urlpatterns = [
    path("account/orders/<int:number>/edit/", views.edit_order, name="edit"),
    path("account/orders/<int:number>/cancel/", views.cancel_order, name="cancel"),
]
