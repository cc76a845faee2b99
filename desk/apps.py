from django.apps import AppConfig


class DeskConfig(AppConfig):
    """Staff screens that act across apps; no models of its own (the order admin is registered here)."""

    name = "desk"
    verbose_name = "Service desk"  # not shown anywhere while desk has no models, so not marked for translation
