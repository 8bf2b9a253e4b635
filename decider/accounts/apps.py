from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts: users, teams, memberships with roles, invitations, login throttling."""

    name = "decider.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the login handler)
