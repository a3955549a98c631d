"""Call recordings: where finished files are stored, where the worker writes them meanwhile."""

from __future__ import annotations

from pathlib import Path

from betool.settings.base import STORAGES as _BASE_STORAGES
from betool.settings.env import VAR_DIR, env_str

# The worker writes a call's audio here as it happens (flushed every few seconds), so a
# worker that dies leaves a file that the reaper stores when it closes the call.
BETOOL_RECORDING_SPOOL_DIR = Path(
    env_str("BETOOL_RECORDING_SPOOL_DIR", str(VAR_DIR / "recordings-spool"))
)


def recordings_storage_setting() -> dict[str, object]:
    """FileSystemStorage under var/ by default; ``BETOOL_RECORDINGS_STORAGE=s3`` stores them
    in an S3-compatible bucket through django-storages (MinIO, Ceph, AWS and others)."""
    if env_str("BETOOL_RECORDINGS_STORAGE", "filesystem") == "s3":
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env_str("BETOOL_RECORDINGS_S3_BUCKET"),
                "endpoint_url": env_str("BETOOL_RECORDINGS_S3_ENDPOINT") or None,
                "region_name": env_str("BETOOL_RECORDINGS_S3_REGION") or None,
                "access_key": env_str("BETOOL_RECORDINGS_S3_ACCESS_KEY") or None,
                "secret_key": env_str("BETOOL_RECORDINGS_S3_SECRET_KEY") or None,
                "location": env_str("BETOOL_RECORDINGS_S3_PREFIX", "recordings"),
                # Private objects, served only through the API (access checked and logged).
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env_str("BETOOL_RECORDINGS_DIR", str(VAR_DIR / "recordings")),
            # Served through the API only (access checked and logged), never by URL.
            "base_url": None,
        },
    }


STORAGES: dict[str, dict[str, object]] = {
    **_BASE_STORAGES,
    "recordings": recordings_storage_setting(),
}
