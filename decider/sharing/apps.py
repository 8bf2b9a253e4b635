from django.apps import AppConfig


class SharingConfig(AppConfig):
    """Read-only share links that show one assessment's report to people without an account."""

    name = "decider.sharing"
    default_auto_field = "django.db.models.BigAutoField"
