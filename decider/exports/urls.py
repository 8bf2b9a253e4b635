"""URLs of exports and imports."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "a/<uuid:assessment_id>/export/decision-record.md",
        views.export_decision_record,
        name="export_decision_record",
    ),
    path(
        "a/<uuid:assessment_id>/export/assessment.json",
        views.export_json,
        name="export_json",
    ),
    path("a/<uuid:assessment_id>/export/report.pdf", views.export_pdf, name="assessment_pdf"),
    path("teams/<slug:slug>/import/", views.team_import, name="team_import"),
    path("teams/<slug:slug>/export.csv", views.team_export_csv, name="team_export_csv"),
]
