"""One error shape for every API: ``{"error": {"code", "message", "details"}}``.

Each app declares its own codes as a StrEnum and raises ``ApiError`` with one of them;
the API layer turns it into a response with the error's HTTP status.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CoreErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    OUT_OF_RANGE = "out_of_range"
    NO_WORKSPACE = "no_workspace"
    LAST_OWNER = "last_owner"
    OWNER_PROTECTED = "owner_protected"
    INVITE_INVALID = "invite_invalid"
    USER_EXISTS = "user_exists"
    INTERNAL = "internal_error"


class ApiError(Exception):
    def __init__(
        self,
        code: StrEnum,
        message: str,
        *,
        status: int = 400,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": str(code), "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def not_found(what: str) -> ApiError:
    return ApiError(CoreErrorCode.NOT_FOUND, f"{what} was not found.", status=404)


def forbidden(message: str = "Your role does not allow this.") -> ApiError:
    return ApiError(CoreErrorCode.FORBIDDEN, message, status=403)
