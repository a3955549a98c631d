"""The voice worker and the local voice models."""

from __future__ import annotations

from betool.settings.env import VAR_DIR, env_bool, env_int, env_str

# Where the Whisper base model is assembled from its two PyPI packages on first use.
BETOOL_WHISPER_MODEL_DIR = env_str("BETOOL_WHISPER_MODEL_DIR", str(VAR_DIR / "models/whisper-base"))
# Load Whisper in each job process before its first call (about 5 s of CPU, once).
VOICE_WORKER_PRELOAD_WHISPER = env_bool("BETOOL_WORKER_PRELOAD_WHISPER", True)
# Calls one worker accepts at once; beyond it LiveKit dispatches to another worker. 0 (the
# default) sizes it from the limits when the worker starts: every workspace's
# max_concurrent_calls added up, the most calls betool's admission can let in at once.
VOICE_WORKER_MAX_CALLS = max(0, env_int("BETOOL_WORKER_MAX_CALLS", 0))
# Job processes kept started and warm for the next calls (each holds its models, a few
# hundred MB). 0 (the default): as many as the worker's calls, at most 4. A burst of calls
# beyond the warm ones rings while processes start (seconds each).
VOICE_WORKER_IDLE_PROCESSES = max(0, env_int("BETOOL_WORKER_IDLE_PROCESSES", 0))
# How long an outbound call's callee may ring before the call ends as "no answer".
VOICE_OUTBOUND_RINGING_S = env_int("BETOOL_OUTBOUND_RINGING_S", 40)
# How an outbound call reaches its callee: "sip" (livekit-sip dials it), or "room": the callee
# joins the call's room itself (a LiveKit server without SIP, as in development and the
# voice tier's simulated callees).
VOICE_OUTBOUND_DIALER = env_str("BETOOL_OUTBOUND_DIALER", "sip")
# Answering-machine detection on outbound calls: the longest the callee waits for the
# verdict, and after a voicemail's, for its beep before the message is left anyway.
VOICE_AMD_DECISION_S = float(env_str("BETOOL_AMD_DECISION_S", "4"))
VOICE_AMD_BEEP_WAIT_S = float(env_str("BETOOL_AMD_BEEP_WAIT_S", "20"))
# How often a running call reports its usage to the credit metering.
VOICE_USAGE_REPORT_INTERVAL_S = float(env_str("BETOOL_USAGE_REPORT_S", "30"))
# How long a worker process gathers its calls' interval reports before billing them together.
VOICE_USAGE_BATCH_S = float(env_str("BETOOL_USAGE_BATCH_S", "0.5"))
VOICE_WORKER_DEBUG = env_bool("BETOOL_WORKER_DEBUG", False)
# The reaper leaves a call alone this long after it starts (its room may not be listed yet),
# and this long past its number's maximum duration.
CALL_REAPER_GRACE_S = env_int("BETOOL_CALL_REAPER_GRACE_S", 120)
# A chat test still open after this long lost its web process: the reaper ends its record.
CHAT_TEST_MAX_AGE_S = env_int("BETOOL_CHAT_TEST_MAX_AGE_S", 12 * 3600)
