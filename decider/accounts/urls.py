"""Account and team URLs. Django's auth views keep their standard names (login, logout, ...)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .forms import ThrottledAuthenticationForm

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("teams/", views.teams, name="teams"),
    path("teams/<slug:slug>/", views.team, name="team"),
    path("teams/<slug:slug>/invite/", views.team_invite, name="team_invite"),
    path("teams/<slug:slug>/members/<int:member_id>/", views.team_member, name="team_member"),
    path("teams/<slug:slug>/leave/", views.team_leave, name="team_leave"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
