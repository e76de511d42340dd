from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world (docs/core.md): demo shops, users and history, and the demo's commands."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
