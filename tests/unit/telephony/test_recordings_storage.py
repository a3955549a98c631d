"""Where recordings are stored, chosen from the environment: the filesystem under var/ by
default, an S3-compatible bucket through django-storages in production. Each case starts a
fresh interpreter: settings are read once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, django
django.setup()
from django.core.files.storage import storages
storage = storages["recordings"]
print(json.dumps({
    "class": f"{type(storage).__module__}.{type(storage).__name__}",
    "location": str(getattr(storage, "location", "")),
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "acl": getattr(storage, "default_acl", None),
    "overwrite": getattr(storage, "file_overwrite", None),
}))
"""


def probe(**variables: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BETOOL_RECORDING")}
    env.update(variables, DJANGO_SETTINGS_MODULE="betool.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_recordings_go_to_the_filesystem_by_default(tmp_path: Path) -> None:
    found = probe(BETOOL_RECORDINGS_DIR=str(tmp_path / "kept"))
    assert found["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert found["location"] == str(tmp_path / "kept")


def test_production_stores_them_in_a_private_s3_bucket() -> None:
    found = probe(
        BETOOL_RECORDINGS_STORAGE="s3",
        BETOOL_RECORDINGS_S3_BUCKET="acme-recordings",
        BETOOL_RECORDINGS_S3_ENDPOINT="http://minio.internal:9000",
    )
    assert found["class"] == "storages.backends.s3.S3Storage"
    assert found["bucket"] == "acme-recordings"
    assert found["endpoint"] == "http://minio.internal:9000"
    assert found["acl"] == "private"
    assert found["overwrite"] is False
