"""What a request to LiveKit's server API raises when it fails.

The server's refusal (a Twirp error, with the SIP status of a dial or a REFER in its metadata),
a transport failure, or no answer in time. Code that treats a failed request as an outcome
(a caller already gone, a transfer declined, a trunk not synced) catches these, and lets
anything else, a bug, surface.
"""

from __future__ import annotations

import aiohttp
from livekit import api

LIVEKIT_API_ERRORS: tuple[type[Exception], ...] = (
    api.ServerError,
    aiohttp.ClientError,
    TimeoutError,
)
