"""betool settings, one module per topic; every value comes from the environment.

Unset variables fall back to the embedded defaults (SQLite, in-memory channel layer,
eager Celery, no LiveKit). With ``BETOOL_ENV=production`` the security module refuses
to start on any of the insecure defaults.
"""

from betool.settings.base import *  # noqa: F403
from betool.settings.database import *  # noqa: F403
from betool.settings.email import *  # noqa: F403
from betool.settings.livekit import *  # noqa: F403
from betool.settings.queues import *  # noqa: F403
from betool.settings.recordings import *  # noqa: F403
from betool.settings.security import *  # noqa: F403
from betool.settings.security import check_production_settings
from betool.settings.voice import *  # noqa: F403
from betool.settings.webhooks import *  # noqa: F403

check_production_settings()
