"""HTML entry points: sign-in and sign-out pages, and the React app behind sign-in."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie

from betool.selectors import membership_for

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
