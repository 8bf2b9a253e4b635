from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Exports and imports: decision records, PDF reports, exchange files, the team CSV.

    No models; an app so that ``manage.py report`` is found.
    """

    name = "decider.exports"
    default_auto_field = "django.db.models.BigAutoField"
