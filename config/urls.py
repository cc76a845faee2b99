from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.health import health_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health_view, name="healthz"),
    path("django-rq/", include("django_rq.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # DEBUG-only (the views 404 otherwise): where demo mail lands.
    path("dev/mailbox/", include("notifications.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
