"""Phone tier: sipp → livekit-sip → livekit-server → betool's worker, all on loopback.

It needs what the voice tier needs (``scripts/services up``, the environment it prints) and a
livekit-sip binary (``LIVEKIT_SIP_BIN`` or ``PATH``) and sipp; without one every test fails
and says so (``scripts/test`` leaves the tier out, named as not run, where livekit-sip is
missing). Numbers, trunks and dispatch rules are provisioned into LiveKit by betool itself,
under an installation name of the tests' own, and removed afterwards.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.phone import sip
from tests.voice import harness, tier
from tests.voice.conftest import _database_url

PHONE_DIR = Path(os.environ.get("BETOOL_VAR_DIR", harness.ROOT / "var")) / "test-phone"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/phone/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.phone)
            item.add_marker(pytest.mark.timeout(300))


pytest_runtest_makereport = tier.worker_log_hook(PHONE_DIR)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    tier.isolate_test_database(run_dir=PHONE_DIR, tier="phone")


@pytest.fixture(scope="session")
def phone_env() -> harness.LiveKitEnv:
    try:
        env = harness.livekit_env()
        sip.livekit_sip_binary()
        sip.sipp_binary()
    except (harness.VoiceEnvMissing, sip.PhoneEnvMissing) as exc:
        pytest.fail(str(exc), pytrace=False)
    return env


@pytest.fixture(scope="session")
def livekit_sip(phone_env: harness.LiveKitEnv) -> Iterator[sip.LiveKitSip]:
    process = sip.start_livekit_sip(
        binary=sip.livekit_sip_binary(),
        livekit_url=phone_env.url,
        api_key=phone_env.api_key,
        api_secret=phone_env.api_secret,
        redis_url=os.environ.get("REDIS_URL", ""),  # its host: livekit-server uses db 0
        run_dir=PHONE_DIR,
    )
    try:
        yield process
    finally:
        process.stop()


def start_phone_worker(
    env: harness.LiveKitEnv, *, database_url: str, extra_env: dict[str, str] | None = None
) -> tuple[str, harness.WorkerProcess]:
    agent_name, process = tier.start_named_worker(
        env,
        prefix="betool-phone",
        run_dir=PHONE_DIR,
        database_url=database_url,
        extra_env={
            "BETOOL_WORKER_MAX_CALLS": "6",
            "BETOOL_WORKER_PRELOAD_WHISPER": "0",
            "BETOOL_OUTBOUND_RINGING_S": "6",
            **(extra_env or {}),
        },
    )
    asyncio.run(harness.wait_for_worker(process))
    return agent_name, process


@pytest.fixture(scope="session")
def phone_worker(
    phone_env: harness.LiveKitEnv, django_db_setup: None, django_db_blocker: Any
) -> Iterator[tuple[str, harness.WorkerProcess]]:
    with django_db_blocker.unblock():
        database_url = _database_url()
    agent_name, process = start_phone_worker(phone_env, database_url=database_url)
    try:
        yield agent_name, process
    finally:
        process.stop()


@pytest.fixture
def provision(
    phone_env: harness.LiveKitEnv, settings: Any, transactional_db: None
) -> Iterator[Callable[..., Any]]:
    """``provision(agent_name, **trunk_fields)`` → a number on a trunk, both written to
    LiveKit by betool's provisioning (dispatch rule to ``agent_name``). ``pipeline=False``
    leaves the number without one; ``number_fields`` go to the PhoneNumber; ``workspace``
    puts it in an existing workspace."""
    from telephony.models import PhoneNumber, Trunk
    from telephony.provisioning.livekit import reconcile, sync_number, sync_trunk
    from tests.voice.graphs import TRANSFER_TARGET

    tier.use_livekit(settings, phone_env)
    settings.LIVEKIT_SIP_INSTALL = f"phone-tests-{uuid.uuid4().hex[:8]}"

    def make(
        agent_name: str,
        *,
        pipeline: bool = True,
        graph: dict[str, Any] | None = None,
        number_fields: dict[str, Any] | None = None,
        workspace: Any = None,
        **trunk_fields: Any,
    ) -> Any:
        settings.LIVEKIT_AGENT_NAME = agent_name
        if workspace is None:  # else another number of the same workspace (a campaign's pool)
            workspace = tier.funded_workspace("Phone test")
        flow = tier.published_front_desk(workspace, graph)
        trunk = Trunk(
            workspace=workspace,
            name=f"Carrier {uuid.uuid4().hex[:6]}",
            allowed_addresses=["127.0.0.1/32"],
            codecs=["PCMU", "telephone-event"],
            **{"address": "127.0.0.1:15999", "supports_refer": True, **trunk_fields},
        )
        trunk.full_clean()
        trunk.save()
        number = PhoneNumber.objects.create(
            workspace=workspace,
            e164=tier.unique_e164(),
            trunk=trunk,
            pipeline=flow if pipeline else None,
            transfer_target=TRANSFER_TARGET,
            # A loaded test machine can take seconds per turn: no re-prompt in the middle.
            **{"silence_timeout_s": 90, **(number_fields or {})},
        )
        sync_trunk(trunk.pk)  # what the Celery tasks do after a save, here at once
        sync_number(number.pk)
        number.refresh_from_db()
        trunk.refresh_from_db()
        assert number.sync_status == "synced", number.sync_error
        assert trunk.sync_status == "synced", trunk.sync_error
        return number

    try:
        yield make
    finally:
        from telephony.models import PhoneNumber as Numbers

        Numbers.objects.all().delete()
        Trunk.objects.all().delete()
        reconcile()  # this installation's trunks and rules leave LiveKit


@pytest.fixture
def run_dir(request: pytest.FixtureRequest) -> Path:
    # Brackets (a parametrized test's id) would read as sipp keywords in the scenario.
    path = PHONE_DIR / re.sub(r"[^\w.-]+", "_", request.node.name)[:80]
    path.mkdir(parents=True, exist_ok=True)
    for old in path.iterdir():
        old.unlink()
    return path
