"""URL map of the whole site."""

from django.urls import path

from decider.assessments import views

urlpatterns = [
    path("", views.home, name="home"),
]
