"""Views for signing up, teams, members and invitations.

Team pages go through ``get_team_for_user``: 404 for non-members, 403 when the action needs an
owner and the member is not one.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from decider.middleware import sign_in_required
from decider.rows import Columns, fetch_one, select_pair

from . import services
from .forms import InviteForm, RoleForm, SignupForm, TeamForm
from .models import Membership, Role, Team, User


@functools.cache
def _membership_sql() -> tuple[Columns, Columns, str]:
    return select_pair(
        Membership, Team, on="b.id = a.team_id", where="b.slug = %s AND a.user_id = %s"
    )


def get_team_for_user(user: User, slug: str, *, manage: bool = False) -> Membership:
    """The user's membership of the team: 404 if none, 403 if ``manage`` and not an owner.

    Every team page starts here: one plain SELECT of the membership with its team
    (decider/rows.py), the objects ``select_related("team")`` would give.
    """
    membership, team, sql = _membership_sql()
    row = fetch_one(sql, [slug, user.pk])
    if row is None:
        raise Http404("No such team")
    member: Membership = membership.build(row)
    member.team = team.build(row, len(membership))
    if manage and not member.can_manage:
        raise PermissionDenied("Only the team's owners can manage its members.")
    return member


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("teams")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.create_user(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            name=form.cleaned_data["name"],
        )
        login(request, user, backend="decider.accounts.backends.AccountBackend")
        messages.success(request, "Welcome to Decider. Your work so far is in your personal space.")
        return redirect(_safe_next(request) or "teams")
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": _safe_next(request)},
        status=422 if form.errors else 200,
    )


def _safe_next(request: HttpRequest) -> str:
    """Where to go after signing up (an invitation, say), if it is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@sign_in_required
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    """The user's teams; POST creates a new one."""
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = services.create_team(name=form.cleaned_data["name"], owner=request.user)  # type: ignore[arg-type]
        messages.success(request, f"Team “{team.name}” created. Invite people from its page.")
        return redirect("team", slug=team.slug)
    return render(
        request,
        "accounts/teams.html",
        {"memberships": services.memberships(request.user), "form": form},  # type: ignore[arg-type]
        status=422 if form.errors else 200,
    )


@sign_in_required
@require_GET
def team(request: HttpRequest, slug: str) -> HttpResponse:
    member = get_team_for_user(request.user, slug)  # type: ignore[arg-type]
    members = (
        Membership.objects.filter(team=member.team).select_related("user").order_by("user__email")
    )
    return render(
        request,
        "accounts/team.html",
        {
            "team": member.team,
            "me": member,
            "members": members,
            "invite_form": InviteForm(),
            "roles": Role.choices,
            "new_link": request.session.pop(f"new_invitation_link:{member.team.slug}", None),
        },
    )


@sign_in_required
@require_POST
def team_invite(request: HttpRequest, slug: str) -> HttpResponse:
    member = get_team_for_user(request.user, slug, manage=True)  # type: ignore[arg-type]
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            token = services.invite(
                team=member.team,
                role=form.cleaned_data["role"],
                by=request.user,  # type: ignore[arg-type]
            )
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            link = request.build_absolute_uri(reverse("invitation", kwargs={"token": token}))
            # Shown once, on this team's page.
            request.session[f"new_invitation_link:{member.team.slug}"] = link
    return redirect("team", slug=slug)


@sign_in_required
@require_POST
def team_member(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    """Change a member's role, or remove them (``action=remove``). Owners only."""
    me = get_team_for_user(request.user, slug, manage=True)  # type: ignore[arg-type]
    member = Membership.objects.filter(team=me.team, pk=member_id).select_related("user").first()
    if member is None:
        raise Http404("No such member")
    try:
        if request.POST.get("action") == "remove":
            services.remove_member(team=me.team, member=member)
            messages.success(request, f"{member.user} is no longer a member.")
        else:
            form = RoleForm(request.POST)
            if form.is_valid():
                services.change_role(team=me.team, member=member, role=form.cleaned_data["role"])
                messages.success(
                    request, f"{member.user} is now {member.get_role_display().lower()}."
                )
    except services.TeamError as error:
        messages.error(request, str(error))
    return redirect("team", slug=slug)


@sign_in_required
@require_POST
def team_leave(request: HttpRequest, slug: str) -> HttpResponse:
    member = get_team_for_user(request.user, slug)  # type: ignore[arg-type]
    try:
        services.leave_team(team=member.team, user=request.user)  # type: ignore[arg-type]
    except services.TeamError as error:
        messages.error(request, str(error))
        return redirect("team", slug=slug)
    messages.success(request, f"You have left {member.team.name}.")
    return redirect("teams")


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open an invitation: sign in first if needed, then confirm to join."""
    found = services.find_invitation(token)
    problem = services.invitation_problem(found)
    if problem:
        return render(request, "accounts/invitation.html", {"problem": problem}, status=410)
    assert found is not None
    if not request.user.is_authenticated:
        return render(request, "accounts/invitation.html", {"invitation": found, "token": token})
    if request.method == "POST":
        try:
            joined = services.accept_invitation(token=token, user=request.user)
        except services.TeamError as error:
            return render(request, "accounts/invitation.html", {"problem": str(error)}, status=410)
        messages.success(
            request, f"You joined {joined.team.name} as {joined.get_role_display().lower()}."
        )
        return redirect("team", slug=joined.team.slug)
    return render(request, "accounts/invitation.html", {"invitation": found, "token": token})
