from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares; its system checks cover the deploy-time settings."""

    name = "core"

    def ready(self):
        from core import checks  # noqa: F401 - registers the checks
