"""The production stack in docker/: compose.yaml, the Dockerfile, the LiveKit configs.

No Docker engine runs here, so these tests read the files: every service is there with its
command, health check and dependencies, and the environment that the app services get really
passes betool's production checks (a fresh interpreter starts with it under BETOOL_ENV=production).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
CELERY_WORKERS = ("celery-worker", "celery-metering", "celery-calls")
APP_SERVICES = ("migrate", "web", "voice-worker", *CELERY_WORKERS, "celery-beat")
INFRA_SERVICES = ("postgres", "redis", "livekit-server", "livekit-sip")
# ${NAME}, ${NAME:-default}, ${NAME:?message}, ${NAME-default}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def deployer_env() -> dict[str, str]:
    """What a deployer puts in docker/.env: every variable that .env.example names, filled in."""
    names = [
        line.split("=", 1)[0].strip()
        for line in (DOCKER / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    ]
    values = {name: secrets.token_urlsafe(40) for name in names}
    values["BETOOL_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    values["BETOOL_HOSTNAME"] = "betool.example.com"
    return values


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation (the subset compose.yaml uses)."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if name in env and (env[name] or not (op or "").startswith(":")):
            return env[name]
        if op in (":-", "-"):
            return arg or ""
        raise AssertionError(f"compose.yaml needs {name}, which docker/.env.example does not name")

    return INTERPOLATION.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")


def command_of(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return command if isinstance(command, list) else command.split()


def test_every_service_of_the_stack_is_there(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {*INFRA_SERVICES, *APP_SERVICES}


@pytest.mark.parametrize("name", [*INFRA_SERVICES, *APP_SERVICES])
def test_every_long_running_service_has_a_health_check(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]
    if name == "migrate":  # one-shot: the others wait for it to complete
        assert service["restart"] == "no"
        return
    check = service["healthcheck"]
    assert not check.get("disable")
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert len(check["test"]) > 1
    assert service["restart"] == "unless-stopped"


def test_app_services_share_one_image_built_from_the_app_stage(
    services: dict[str, dict[str, Any]],
) -> None:
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert build["dockerfile"] == "docker/Dockerfile"
        assert build["target"] == "app"
        assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == DOCKER / "Dockerfile"


def test_app_commands(services: dict[str, dict[str, Any]]) -> None:
    web = command_of(services["web"])
    assert web[:2] == ["uvicorn", "betool.asgi:application"]
    assert "--host=0.0.0.0" in web
    assert "--ws=websockets-sansio" in web  # the test sessions' and the call monitor's sockets
    assert command_of(services["voice-worker"])[:2] == ["betool", "worker"]
    for name in CELERY_WORKERS:
        assert command_of(services[name])[:4] == ["celery", "-A", "betool", "worker"]
    assert command_of(services["celery-beat"])[:4] == ["celery", "-A", "betool", "beat"]
    assert command_of(services["migrate"])[-2:] == ["migrate", "--noinput"]


def test_the_web_tier_runs_several_processes_sharing_redis(
    services: dict[str, dict[str, Any]],
) -> None:
    """Several web processes (BETOOL_WEB_WORKERS, 4 unless the deployer says) behind the TLS
    proxy; Redis carries the channel layer between them."""
    web = command_of(services["web"])
    [workers] = [arg.removeprefix("--workers=") for arg in web if arg.startswith("--workers=")]
    match = INTERPOLATION.fullmatch(workers)
    assert match, workers
    assert match["name"] == "BETOOL_WEB_WORKERS"
    assert int(interpolate(workers, {})) > 1
    assert interpolate(workers, {"BETOOL_WEB_WORKERS": "8"}) == "8"
    assert "--proxy-headers" in web
    assert services["web"]["environment"]["REDIS_URL"].startswith("redis://")


def test_the_commands_name_real_entry_points() -> None:
    assert (ROOT / "betool" / "asgi.py").exists()
    assert (ROOT / "telephony" / "management" / "commands" / "worker.py").exists()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'betool = "betool.cli:main"' in pyproject
    assert "app = Celery(" in (ROOT / "betool" / "celery.py").read_text()


def conditions(service: dict[str, Any]) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def test_start_order(services: dict[str, dict[str, Any]]) -> None:
    database_and_queue = {"postgres": "service_healthy", "redis": "service_healthy"}
    assert conditions(services["migrate"]) == database_and_queue
    for name in ("web", *CELERY_WORKERS, "celery-beat"):
        assert conditions(services[name]) == {
            **database_and_queue,
            "migrate": "service_completed_successfully",
        }
    assert conditions(services["voice-worker"]) == {
        **database_and_queue,
        "migrate": "service_completed_successfully",
        "livekit-server": "service_healthy",
    }
    assert conditions(services["livekit-server"]) == {"redis": "service_healthy"}
    assert conditions(services["livekit-sip"]) == {
        "redis": "service_healthy",
        "livekit-server": "service_healthy",
    }


def test_data_lives_in_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert "--appendonly" in command_of(services["redis"])
    assert "beat-data:/app/var/beat" in services["celery-beat"]["volumes"]
    assert set(compose["volumes"]) == {"postgres-data", "redis-data", "beat-data"}


def test_app_environment_names_every_setting(services: dict[str, dict[str, Any]]) -> None:
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["BETOOL_ENV"] == "production"
        for variable in (
            "SECRET_KEY",
            "BETOOL_ENCRYPTION_KEYS",
            "DATABASE_URL",
            "REDIS_URL",
            "LIVEKIT_URL",
            "LIVEKIT_API_KEY",
            "LIVEKIT_API_SECRET",
            "ALLOWED_HOSTS",
        ):
            assert env.get(variable), f"{name} lacks {variable}"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert env["LIVEKIT_URL"] == "ws://livekit-server:7880"


def test_secrets_come_from_the_deployer_never_from_the_file(
    services: dict[str, dict[str, Any]],
) -> None:
    env = services["web"]["environment"]
    for variable in ("SECRET_KEY", "BETOOL_ENCRYPTION_KEYS", "LIVEKIT_API_SECRET"):
        match = INTERPOLATION.fullmatch(env[variable])
        assert match, f"{variable} must be ${{{variable}:?...}}, a required variable"
        assert match["op"] == ":?"
    livekit_keys = services["livekit-server"]["environment"]["LIVEKIT_KEYS"]
    assert "${LIVEKIT_API_KEY" in livekit_keys
    assert "${LIVEKIT_API_SECRET" in livekit_keys


def test_the_app_environment_passes_the_production_checks(
    services: dict[str, dict[str, Any]],
) -> None:
    """The settings' own refusal (production_problems) finds nothing in what compose provides."""
    deployer = deployer_env()
    environments = {
        json.dumps(
            {k: interpolate(str(v), deployer) for k, v in services[name]["environment"].items()},
            sort_keys=True,
        )
        for name in APP_SERVICES
    }
    assert len(environments) == 1, "the app services should get one and the same environment"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BETOOL_", "LIVEKIT_", "DATABASE_", "REDIS_"))
        and k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
    }
    env.update(json.loads(environments.pop()))
    env["BETOOL_VAR_DIR"] = str(ROOT / "var" / "test-docker-stack")
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "from betool.settings.security import production_problems; "
        "print(json.dumps({'problems': production_problems(), 'livekit': s.LIVEKIT_ENABLED, "
        "'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,  # a fresh interpreter's Django set-up: 15 s, over 60 s on a loaded machine
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {
        "problems": [],
        "livekit": True,
        "debug": False,
        "hosts": ["betool.example.com", "127.0.0.1"],
    }


def test_livekit_configs_match_the_published_ports(services: dict[str, dict[str, Any]]) -> None:
    livekit = yaml.safe_load((DOCKER / "livekit.yaml").read_text())
    assert livekit["port"] == 7880
    assert livekit["redis"]["address"] == "redis:6379"
    assert "keys" not in livekit, "LiveKit keys come from LIVEKIT_KEYS, not from the file"
    ports = services["livekit-server"]["ports"]
    assert f"{livekit['rtc']['tcp_port']}:{livekit['rtc']['tcp_port']}" in ports
    start, end = livekit["rtc"]["port_range_start"], livekit["rtc"]["port_range_end"]
    assert f"{start}-{end}:{start}-{end}/udp" in ports
    assert command_of(services["livekit-server"]) == ["--config", "/etc/livekit.yaml"]
    assert "./livekit.yaml:/etc/livekit.yaml:ro" in services["livekit-server"]["volumes"]

    sip = yaml.safe_load((DOCKER / "sip.yaml").read_text())
    assert sip["redis"]["address"] == livekit["redis"]["address"]
    assert "api_secret" not in sip
    sip_ports = services["livekit-sip"]["ports"]
    assert f"{sip['sip_port']}:{sip['sip_port']}/udp" in sip_ports
    rtp = sip["rtp_port"]
    assert f"{rtp}:{rtp}/udp" in sip_ports
    assert str(sip["health_port"]) in " ".join(services["livekit-sip"]["healthcheck"]["test"])
    assert services["livekit-sip"]["environment"]["LIVEKIT_WS_URL"] == "ws://livekit-server:7880"


def dockerfile_stages() -> dict[str, list[str]]:
    """Each ``FROM … AS name`` stage of docker/Dockerfile with its instructions."""
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    logical = re.sub(r"\\\n", " ", (DOCKER / "Dockerfile").read_text())
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE)
        if match:
            current = stages.setdefault(match[1], [])
        current.append(line)
    return stages


def test_dockerfile_stages() -> None:
    stages = dockerfile_stages()
    assert list(stages) == ["frontend", "build", "app"]
    frontend = " ".join(stages["frontend"])
    assert "npm ci" in frontend
    assert "npm run build" in frontend
    build = " ".join(stages["build"])
    assert "uv sync --frozen --no-dev" in build
    app = stages["app"]
    assert any(line.startswith("COPY --from=frontend") and "dist" in line for line in app)
    assert any(line.startswith("COPY --from=build") for line in app)
    assert any("collectstatic --noinput" in line for line in app)
    user = [line for line in app if line.startswith("USER ")]
    assert user
    assert user[-1] != "USER root"
    assert app[-1].startswith("CMD")
    assert "uvicorn" in app[-1]


def test_dockerfile_copies_every_python_package() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    packages = re.search(r"packages = \[([^\]]*)\]", pyproject)
    assert packages
    build = " ".join(dockerfile_stages()["build"])
    for package in re.findall(r'"([^"]+)"', packages[1]):
        assert f"COPY {package}/ {package}/" in build
    assert (DOCKER / "Dockerfile.dockerignore").exists()


def test_voice_workers_scale_out_and_drain_their_calls_when_stopped(
    services: dict[str, dict[str, Any]],
) -> None:
    worker = services["voice-worker"]
    replicas = str(worker["deploy"]["replicas"])
    assert interpolate(replicas, {}) == "1"
    assert interpolate(replicas, {"BETOOL_VOICE_WORKERS": "4"}) == "4"
    # Replicas cannot share a published port or a container name.
    assert "ports" not in worker
    assert "container_name" not in worker
    # livekit-agents drains on SIGTERM (not in --dev), for up to its hour-long drain timeout.
    assert "--dev" not in command_of(worker)
    assert worker["stop_grace_period"] == "1h"


def _option(command: list[str], name: str) -> str:
    values = [part.split("=", 1)[1] for part in command if part.startswith(f"{name}=")]
    assert len(values) == 1, (name, command)
    return values[0]


def test_a_celery_worker_per_queue_and_every_task_in_a_consumed_queue(
    services: dict[str, dict[str, Any]],
) -> None:
    from django.conf import settings

    from betool.celery import app

    consumed: dict[str, str] = {}
    for name in CELERY_WORKERS:
        command = command_of(services[name])
        for queue in _option(command, "--queues").split(","):
            assert queue not in consumed, f"{queue} is consumed by {consumed.get(queue)} too"
            consumed[queue] = name
        # Its health check pings this very worker (its node name).
        node = _option(command, "--hostname").split("@")[0]
        assert f"--destination {node}@$$HOSTNAME" in services[name]["healthcheck"]["test"][1]
    assert set(consumed) == set(settings.CELERY_QUEUE_NAMES)
    app.loader.import_default_modules()
    project_tasks = [name for name in app.tasks if not name.startswith("celery.")]
    assert {"betool.usage_rollup_advance", "telephony.reap_stale_calls"} <= set(project_tasks)
    for task in project_tasks:
        route = app.amqp.router.route({}, task)
        assert route["queue"].name in consumed, task
    queue_of = {task: app.amqp.router.route({}, task)["queue"].name for task in project_tasks}
    assert queue_of["betool.usage_rollup_advance"] == "metering"
    assert queue_of["betool.balance_alerts_sweep"] == "metering"
    assert queue_of["telephony.sync_number_to_livekit"] == "calls"
    assert queue_of["betool.ping"] == "default"
    # A task nobody routed yet (another engineer's new one) lands in the default queue.
    assert app.amqp.router.route({}, "pipelines.some_new_task")["queue"].name == "default"


def test_the_local_run_takes_every_queue() -> None:
    from django.conf import settings

    run = (ROOT / "scripts" / "run").read_text()
    queues = re.search(r"--queues=(\S+)", run)
    assert queues is not None
    assert set(queues[1].split(",")) == set(settings.CELERY_QUEUE_NAMES)
