from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo store and its load generator. Above every domain app: it may use them all."""

    name = "demo"
    verbose_name = "Demo"
