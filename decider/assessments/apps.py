from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """Assessments: answers, their results and the commands that produce them."""

    name = "decider.assessments"
    default_auto_field = "django.db.models.BigAutoField"
