"""The ``betool`` command line: Django's management commands under one name.

``betool serve`` serves HTTP and websockets with daphne, ``betool seed_demo`` creates the
demo workspace, ``betool worker`` (telephony) runs the LiveKit voice worker.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betool.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["betool", *sys.argv[1:]])
