"""The API under /api/v1/ and the web pages where people manage their API tokens."""

from django.urls import path

from . import views
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("account/api-tokens/", views.tokens, name="api_tokens"),
    path("account/api-tokens/<int:token_id>/revoke/", views.token_revoke, name="api_token_revoke"),
]
