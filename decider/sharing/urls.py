"""Share-link URLs: managing an assessment's links, and the shared report itself."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("a/<uuid:assessment_id>/share/", views.assessment_share, name="assessment_share"),
    path(
        "a/<uuid:assessment_id>/share/<int:link_id>/revoke/",
        views.assessment_share_revoke,
        name="assessment_share_revoke",
    ),
    path("s/<str:token>/", views.shared_report, name="shared_report"),
]
