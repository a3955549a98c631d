"""The one API of betool (django-ninja): authentication, workspace scoping, error shape.

Apps contribute routers (``<app>/api.py``); ``build_api`` mounts them. Views stay thin:
they authorize with ``require(request, Permission.X)`` and call services and selectors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from betool.access import WORKSPACE_HEADER, WORKSPACE_SESSION_KEY, Actor
from betool.async_views import OffLoopAuth
from betool.errors import ApiError, CoreErrorCode, error_body
from betool.input_limits import LimitedJsonParser, too_large
from betool.openapi_errors import declare_error_responses
from betool.selectors import membership_for, token_membership

logger = logging.getLogger(__name__)


class WorkspaceSessionAuth(OffLoopAuth, SessionAuth):
    """Browser requests: the session's user, in the workspace named by header or session."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = request.user
        if not user.is_authenticated:
            return None
        slug = request.META.get(WORKSPACE_HEADER) or request.session.get(WORKSPACE_SESSION_KEY)
        membership = membership_for(user=user, workspace_slug=slug)
        if membership is None:
            raise ApiError(
                CoreErrorCode.NO_WORKSPACE, "You are not a member of this workspace.", status=403
            )
        return Actor(user=membership.user, membership=membership)


class ApiTokenAuth(OffLoopAuth, HttpBearer):
    """Scripts: ``Authorization: Bearer btk_…``. A token acts in the workspace it was made
    in; ``X-Betool-Workspace: <slug>`` moves it to another workspace of its user, with the
    user's role there, and only where the user is a member (else 403 ``no_workspace``)."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        membership = token_membership(raw_token=token)
        if membership is None:
            return None
        slug = request.META.get(WORKSPACE_HEADER)
        if slug and slug != membership.workspace.slug:
            other = membership_for(user=membership.user, workspace_slug=slug)
            if other is None:
                raise ApiError(
                    CoreErrorCode.NO_WORKSPACE,
                    "This token's user is not a member of that workspace.",
                    status=403,
                )
            membership = other
        return Actor(user=membership.user, membership=membership)


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    details = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", []) if part not in ("body", "payload")]
        details.append({"field": ".".join(loc), "message": err.get("msg", "invalid value")})
    return details


# Model fields that requests name by their id.
_ID_FIELDS = frozenset({"trunk", "pipeline", "asr_model", "tts_model", "llm_model"})


def _api_field(name: str) -> str:
    if name == "__all__":
        return ""
    return f"{name}_id" if name in _ID_FIELDS else name


def _describe(details: list[dict[str, Any]]) -> str:
    parts = [f"{d['field']}: {d['message']}" if d["field"] else d["message"] for d in details]
    return "Some fields are not valid — " + "; ".join(parts[:5])


class BetoolAPI(NinjaAPI):
    """django-ninja, with every route's error responses declared in its OpenAPI, and the
    shapes sent outside the routes (websocket messages) among its components."""

    message_schemas: Callable[[], Mapping[str, Any]] | None = None

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = declare_error_responses(super().get_openapi_schema(*args, **kwargs))
        if self.message_schemas is not None:
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(self.message_schemas())
        return schema


def build_api(
    routers: list[tuple[str, Router]],
    *,
    message_schemas: Callable[[], Mapping[str, Any]] | None = None,
) -> NinjaAPI:
    """``message_schemas`` gives the JSON schemas of what the websockets send, by name."""
    api = BetoolAPI(
        title="betool API",
        version="1",
        auth=[ApiTokenAuth(), WorkspaceSessionAuth()],
        urls_namespace="api",
        docs_url="/docs",
        parser=LimitedJsonParser(),
    )
    api.message_schemas = message_schemas

    _handle_invalid_requests(api)
    _handle_refusals(api)
    for prefix, router in routers:
        api.add_router(prefix, router)
    return api


def _api_error_response(api: NinjaAPI, request: HttpRequest, exc: ApiError) -> HttpResponse:
    return api.create_response(request, exc.body(), status=exc.status)


def _handle_invalid_requests(api: NinjaAPI) -> None:
    """What a request gets wrong itself: its fields, its size, its numbers, its nesting (422)."""

    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        details = _validation_details(list(exc.errors))
        body = error_body(CoreErrorCode.INVALID_INPUT, _describe(details), details)
        return api.create_response(request, body, status=422)

    @api.exception_handler(DjangoValidationError)
    def on_model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # Field errors name their field (``trunk_id`` for the model's ``trunk``), as the
        # request validation's details do, so a form shows each one on its field.
        details: list[Any] = exc.messages
        if hasattr(exc, "error_dict"):
            details = [
                {"field": _api_field(name), "message": message}
                for name, errors in exc.message_dict.items()
                for message in errors
            ]
        body = error_body(CoreErrorCode.INVALID_INPUT, "; ".join(exc.messages), details)
        return api.create_response(request, body, status=422)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return _api_error_response(api, request, too_large())

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def on_out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A number or date past what the database holds (offset=10**20, the year 392).
        body = error_body(
            CoreErrorCode.OUT_OF_RANGE, "A number or date in the request is out of range."
        )
        return api.create_response(request, body, status=422)

    @api.exception_handler(RecursionError)
    def on_too_deep(request: HttpRequest, exc: RecursionError) -> HttpResponse:
        body = error_body(CoreErrorCode.INVALID_INPUT, "The request is nested too deeply.")
        return api.create_response(request, body, status=422)


def _handle_refusals(api: NinjaAPI) -> None:
    """A service's refusal (``ApiError``, with its code), who may not, what is not there, and
    anything unexpected (500, logged)."""

    @api.exception_handler(ApiError)
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return _api_error_response(api, request, exc)

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = error_body(CoreErrorCode.NOT_AUTHENTICATED, "Sign in, or send a valid API token.")
        return api.create_response(request, body, status=401)

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) or "Your role does not allow this."
        return api.create_response(
            request, error_body(CoreErrorCode.FORBIDDEN, message), status=403
        )

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        body = error_body(CoreErrorCode.NOT_FOUND, str(exc) or "Not found.")
        return api.create_response(request, body, status=404)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApiError):  # the body parser's own refusal
            return _api_error_response(api, request, exc.__cause__)
        code = CoreErrorCode.INVALID_INPUT if exc.status_code < 500 else CoreErrorCode.INTERNAL
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled API error on %s %s", request.method, request.path)
        body = error_body(CoreErrorCode.INTERNAL, "Something went wrong on our side; it is logged.")
        return api.create_response(request, body, status=500)


__all__ = ["WORKSPACE_SESSION_KEY", "build_api"]
