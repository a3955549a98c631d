"""schemathesis over the whole OpenAPI, as every role and anonymously: no 5xx, and no
status that the document does not declare (each route's error responses included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from betool.models import Membership
from betool.roles import Role
from betool.services import api_token_create

pytestmark = pytest.mark.django_db


def _load_schema() -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


# Collected once: one test per operation, so a failure names its route.
OPERATIONS = [result.ok() for result in _load_schema().get_all_operations()]


@pytest.fixture
def credentials(member: Callable[[Role], Membership]) -> list[dict[str, str]]:
    """Headers of each role's API token, and none (anonymous)."""
    headers = [{}]
    for role in Role:
        _, raw = api_token_create(membership=member(role), name="schemathesis")
        headers.append({"Authorization": f"Bearer {raw}"})
    return headers


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_route_answers_as_its_schema_says(
    operation: Any, credentials: list[dict[str, str]]
) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=4,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # bounded: no shrinking, no replay database
        suppress_health_check=list(HealthCheck),
    )
    def answers(case: Any) -> None:
        for headers in credentials:
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, status_code_conformance], headers=headers
            )

    answers()


def test_every_operation_declares_the_error_shape() -> None:
    document = _load_schema().raw_schema
    assert "ApiError" in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            declared = set(operation["responses"])
            assert {"400", "404", "422"} <= {str(s) for s in declared}, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= {str(s) for s in declared}, (method, path)
