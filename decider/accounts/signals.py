"""Work started before signing in is kept: it moves into the user's personal space."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from .models import User


@receiver(user_logged_in)
def attach_visitor_work(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    from decider.assessments.services import VISITOR_KEY, attach_visitor_assessments

    token = request.session.get(VISITOR_KEY) if request is not None else None
    if token:
        attach_visitor_assessments(visitor=token, user=user)
