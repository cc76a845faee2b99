from django.urls import path

from returns import views

app_name = "returns"
urlpatterns = [
    path("account/orders/<int:number>/return/", views.request_return, name="request"),
    path("account/returns/", views.return_list, name="list"),
    path("account/returns/<str:number>/", views.return_detail, name="detail"),
    path("account/returns/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("account/returns/<str:number>/sent/", views.sent_back, name="sent"),
    path("returns/<str:token>/slip/", views.slip, name="slip"),
    path("returns/<str:token>/slip.pdf", views.slip_pdf, name="slip-pdf"),
]
