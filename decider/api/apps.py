from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "decider.api"
    label = "api"
    verbose_name = "JSON API"
