"""Telephony tests start calls, and calls need credits."""

from __future__ import annotations

import pytest

from betool.models import Workspace
from tests.conftest import fund


@pytest.fixture
def workspace(workspace: Workspace) -> Workspace:
    fund(workspace)
    return workspace
