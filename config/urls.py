from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from accounts.staff_login import StaffAdminSite
from accounts.urls import allauth_urlpatterns
from config.health import health_view, livez, readyz
from core.api import api_not_found
from editing import api as editing_api
from integrations import api as integrations_api
from integrations import return_api
from orders import api as orders_api
from orders.stripe_webhook import stripe_webhook

# Staff sign in to admin with a password and then a TOTP (or backup) code.
admin.site.__class__ = StaffAdminSite

api_v1 = [
    # Integrations (API keys)
    path("orders/", integrations_api.OrderListCreate.as_view(), name="orders"),
    path("orders/<int:number>/", integrations_api.OrderDetail.as_view(), name="order"),
    path("orders/<int:number>/fulfillments/", integrations_api.FulfillmentCreate.as_view(), name="fulfillments"),
    path("orders/<int:number>/backorders/", integrations_api.BackorderCreate.as_view(), name="backorders"),
    path("fulfillments/<int:pk>/", integrations_api.FulfillmentUpdate.as_view(), name="fulfillment"),
    path("returns/", return_api.ReturnList.as_view(), name="returns"),
    path("returns/<str:number>/", return_api.ReturnDetail.as_view(), name="return"),
    path("returns/<str:number>/receive/", return_api.ReturnReceive.as_view(), name="return-receive"),
    path("returns/<str:number>/in-transit/", return_api.ReturnInTransit.as_view(), name="return-in-transit"),
    # The signed-in shopper (session)
    path("me/orders/", orders_api.MyOrderList.as_view(), name="my-orders"),
    path("me/orders/<int:number>/", orders_api.MyOrderDetail.as_view(), name="my-order"),
    path("me/orders/<int:number>/edits/", editing_api.EditList.as_view(), name="my-order-edits"),
    path("me/orders/<int:number>/edits/<int:session_id>/", editing_api.EditDetail.as_view(), name="my-order-edit"),
    path(
        "me/orders/<int:number>/edits/<int:session_id>/changes/",
        editing_api.EditChanges.as_view(),
        name="my-order-edit-changes",
    ),
    path(
        "me/orders/<int:number>/edits/<int:session_id>/commit/",
        editing_api.EditCommit.as_view(),
        name="my-order-edit-commit",
    ),
    path("me/orders/<int:number>/cancel/", editing_api.OrderCancel.as_view(), name="my-order-cancel"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="orders:list"), name="home"),
    path("store/", RedirectView.as_view(pattern_name="orders:list")),
    path("store/account/", RedirectView.as_view(pattern_name="orders:list")),
    path("store/account/", include(allauth_urlpatterns)),
    path("store/account/", include("accounts.urls")),
    path("store/", include("storefront.urls")),
    path("store/", include("orders.urls")),
    path("store/", include("editing.urls")),
    path("store/", include("returns.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Its script from ?script, not inline: the Content-Security-Policy runs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^api/", api_not_found),  # a path no operation has (an id that is no number): JSON, not a page
    path("webhooks/stripe/", stripe_webhook, name="stripe-webhook"),
    path("admin/", admin.site.urls),
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
    path("healthz", health_view, name="healthz"),
    path("django-rq/", include("django_rq.urls")),
    # DEBUG-only (the views 404 otherwise): where demo mail lands.
    path("dev/mailbox/", include("notifications.urls")),
]

if settings.BENCH_VIEWS:
    from demo.views import baseline

    urlpatterns.append(path("bench/baseline/", baseline, name="bench-baseline"))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
