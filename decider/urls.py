"""URL map of the whole site."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic.base import RedirectView

from decider.assessments import views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("assessments/new/", views.assessment_new, name="assessment_new"),
    path("a/<uuid:assessment_id>/", views.assessment_resume, name="assessment_resume"),
    path("a/<uuid:assessment_id>/answer/", views.assessment_answer, name="assessment_answer"),
    path("a/<uuid:assessment_id>/review/", views.assessment_review, name="assessment_review"),
    path("a/<uuid:assessment_id>/report/", views.assessment_report, name="assessment_report"),
    path(
        "a/<uuid:assessment_id>/report/what-if/",
        views.assessment_what_if,
        name="assessment_what_if",
    ),
    path("a/<uuid:assessment_id>/<slug:step>/", views.assessment_step, name="assessment_step"),
]
