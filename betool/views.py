"""HTML entry points: sign-in and sign-out pages, invitation links, and the React app
behind sign-in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie

from betool.access import WORKSPACE_SESSION_KEY
from betool.errors import ApiError, CoreErrorCode
from betool.selectors import invite_by_token, membership_for
from betool.services import member_invite_accept

_FAVICON = Path(__file__).parent / "static" / "betool" / "favicon.svg"


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """The icon browsers ask for on every page (the API docs, the sign-in page, the app)."""
    return HttpResponse(_FAVICON.read_bytes(), content_type="image/svg+xml")


@login_required
@ensure_csrf_cookie
def app_shell(request: HttpRequest) -> HttpResponse:
    """Every page of the React app: its built index.html, or a page that says how to build it."""
    if membership_for(user=request.user) is None:  # type: ignore[arg-type]
        return render(request, "betool/no_workspace.html", status=403)
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return render(request, "betool/frontend_missing.html", status=503)
    return HttpResponse(index.read_text(encoding="utf-8"))


_USERNAME = re.compile(r"^[\w.@+-]{2,150}$")


def _invite_form_errors(username: str, password: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _USERNAME.match(username):
        errors["username"] = "2 to 150 letters, digits and . @ + - _ only."
    try:
        validate_password(password)
    except ValidationError as exc:
        errors["password"] = " ".join(exc.messages)
    if len(password) < 10:
        errors["password"] = "Use at least 10 characters."
    return errors


@ensure_csrf_cookie
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: the invitee chooses a username and a password,
    becomes a member with the invited role, and is signed in."""
    invite = invite_by_token(raw_token=token)
    if invite is None:
        return render(request, "betool/invite_accept.html", {"invalid": True}, status=404)
    context: dict[str, Any] = {"workspace_name": invite.workspace.name, "role": invite.role}
    if request.method != "POST":
        return render(request, "betool/invite_accept.html", context)
    username = request.POST.get("username", "").strip()
    password = request.POST.get("password", "")
    errors = _invite_form_errors(username, password)
    if not errors:
        try:
            membership = member_invite_accept(raw_token=token, username=username, password=password)
        except ApiError as exc:
            field = "username" if exc.code == CoreErrorCode.USER_EXISTS else "form"
            errors[field] = exc.message
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[WORKSPACE_SESSION_KEY] = membership.workspace.slug
            return redirect("/")
    context.update(username=username, errors=errors)
    return render(request, "betool/invite_accept.html", context, status=422)
