"""``manage.py load_demo``: a demo team with the worked examples, and a login to try it.

Safe to run again: existing demo data is left as it is.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from decider.accounts import services as accounts
from decider.accounts.models import Membership, Role, Team, User
from decider.assessments.models import Status
from decider.assessments.services import start_assessment
from decider.engine.examples import examples

DEMO_EMAIL = "demo@decider.test"
DEMO_PASSWORD = "try-decider-demo"  # a published demo login, for local use only
COLLEAGUE_EMAIL = "colleague@decider.test"
DEMO_TEAM = "Demo team"
STATUSES = [
    Status.ACCEPTED,
    Status.PROPOSED,
    Status.PROPOSED,
    Status.DRAFT,
    Status.ACCEPTED,
    Status.DRAFT,
]


class Command(BaseCommand):
    help = "Create a demo login and a demo team holding the six worked examples."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = accounts.create_user(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo")
            colleague = accounts.create_user(
                email=COLLEAGUE_EMAIL, password=DEMO_PASSWORD, name="Colleague"
            )
            team = accounts.create_team(name=DEMO_TEAM, owner=user)
            Membership.objects.create(team=team, user=colleague, role=Role.EDITOR)
            for example, status in zip(examples(), STATUSES, strict=True):
                assessment = start_assessment(
                    visitor="demo",
                    answers=example["answers"],
                    team=team,
                    author=user,
                    name=example["name"],
                )
                assessment.status = status
                assessment.save(update_fields=["status"])
            created = "created"
        else:
            team = Team.objects.get(name=DEMO_TEAM, memberships__user=user)
            created = "already there"
        self.stdout.write(
            f"Demo data {created}: sign in as {DEMO_EMAIL} with password {DEMO_PASSWORD} "
            f"(team “{team.name}”, {team.assessments.count()} assessments; "
            f"{COLLEAGUE_EMAIL} is an editor with the same password)."
        )
