"""Fixtures shared by every tier: a workspace with one member per role, API clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils.crypto import get_random_string

from betool.models import LedgerKind, Membership, User, Workspace
from betool.roles import Role
from betool.services import api_token_create, ledger_credit, workspace_create

PASSWORD = "correct-horse-battery-staple"

# Creating a test database runs every migration, inside the first test that asks for one: on
# a machine loaded several times over, that alone has outlasted pytest-timeout's 120 s and
# failed hundreds of healthy tests. Until the database exists, a test gets this ceiling; a
# hang is still caught.
DATABASE_CREATION_TIMEOUT_S = 900
_database_created = False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> None:
    global _database_created  # one flag per test process, read by the hook below
    _database_created = True


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    # Runs around pytest-timeout's own wrapper, which reads the marker when it sets its timer.
    if not _database_created and item.get_closest_marker("timeout") is None:
        item.add_marker(pytest.mark.timeout(DATABASE_CREATION_TIMEOUT_S))
    yield


def fund(workspace: Workspace, credits: Decimal = Decimal(100_000)) -> None:
    """Credits for a workspace whose test starts calls (none start at zero credits)."""
    ledger_credit(
        workspace=workspace, credits=credits, kind=LedgerKind.TOP_UP, reason="tests", user=None
    )


@pytest.fixture(autouse=True)
def _fake_providers_on_loopback(settings: Any) -> None:
    """The tests' fake providers listen on loopback: what an operator with a model server
    on the machine allows with BETOOL_HTTP_ALLOW_PRIVATE_NETWORK. Tests of the refusal
    turn it off again."""
    settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK = True


@pytest.fixture(autouse=True)
def _reads_on_the_tests_thread(settings: Any) -> None:
    """A test's transaction is on its own thread's connection, which the thread pool's
    connections would not see: the async reads query on that thread here. The servers
    the browser tier and bench/web_load.py start query on the pool."""
    settings.WEB_READS_ON_THREAD_POOL = False


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing() -> Iterator[None]:
    """Test users' passwords hashed in microseconds: the production hasher's million PBKDF2
    rounds, once per user a test signs in, were most of the unit tier's CPU time. Signing in
    and refusing a wrong password work the same; processes that a test starts (the browser
    tier's server, the voice worker) keep the production hasher."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def workspace(db: None) -> Workspace:
    owner = User.objects.create_user("owner", "owner@example.com", PASSWORD)
    return workspace_create(name="Acme Support", owner=owner)


@pytest.fixture
def member(workspace: Workspace) -> Callable[[Role], Membership]:
    """The workspace's member with that role (created on first use)."""

    def make(role: Role) -> Membership:
        if role == Role.OWNER:
            return Membership.objects.get(workspace=workspace, role=Role.OWNER)
        user, _ = User.objects.get_or_create(username=f"{role.value}-user")
        user.set_password(PASSWORD)
        user.save()
        membership, _ = Membership.objects.get_or_create(
            user=user, workspace=workspace, defaults={"role": role}
        )
        return membership

    return make


@pytest.fixture
def client_as(member: Callable[[Role], Membership]) -> Callable[[Role], Client]:
    """A browser-like client signed in as the member with that role (CSRF enforced)."""

    def make(role: Role) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(member(role).user)
        # The cookie and header a browser holds after loading a page of the app.
        token = get_random_string(32)
        client.cookies["csrftoken"] = token
        client.defaults["HTTP_X_CSRFTOKEN"] = token
        return client

    return make


@pytest.fixture
def token_client(member: Callable[[Role], Membership]) -> Callable[[Role], Client]:
    """A script-like client with a bearer token for the member with that role."""

    def make(role: Role) -> Client:
        _, raw = api_token_create(membership=member(role), name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make
