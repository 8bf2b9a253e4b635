"""URL map of the whole site."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView

from decider import health
from decider.assessments import compare_views, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("decider.accounts.urls")),
    path("", include("decider.sharing.urls")),
    path("", include("decider.exports.urls")),
    path("", include("decider.api.urls")),
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
    path("teams/<slug:slug>/assessments/", views.team_assessments, name="team_assessments"),
    path("compare/", compare_views.compare, name="compare"),
    path("a/<uuid:assessment_id>/details/", views.assessment_details, name="assessment_details"),
    path(
        "a/<uuid:assessment_id>/duplicate/", views.assessment_duplicate, name="assessment_duplicate"
    ),
    path("a/<uuid:assessment_id>/archive/", views.assessment_archive, name="assessment_archive"),
    path("a/<uuid:assessment_id>/delete/", views.assessment_delete, name="assessment_delete"),
    path("a/<uuid:assessment_id>/history/", views.assessment_history, name="assessment_history"),
    path("a/<uuid:assessment_id>/<slug:step>/", views.assessment_step, name="assessment_step"),
]
