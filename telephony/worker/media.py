"""What a call's AgentSession asks of the room: the caller's audio as the recognizers take it,
and nothing that nobody on a phone line consumes.

Every frame of the caller's audio crosses the LiveKit SDK into Python, then RoomIO, the
session, and the VAD and STT streams, each hop a task switch on the call's event loop; so
what is asked here is paid 1/``INPUT_FRAME_MS`` times a second per call, for the call's whole
length, whether anyone speaks or not. ``bench/voice_latency.py`` measures it (the worker's
CPU per call, by thread, against a bare livekit-agents session with the library's defaults).
"""

from __future__ import annotations

from typing import Any

from livekit.agents import room_io

# The rate Silero's VAD judges speech at and streaming recognizers take (Deepgram listens at
# 16 kHz, the local Whisper and pocketsphinx too): the SDK's native decoder resamples the
# room's 48 kHz to it once, where the library's default 24 kHz was resampled again in Python
# by the VAD stream and by the recognizer's stream, per frame. A phone line carries 8 kHz
# (G.711) or 16 kHz (G.722), so nothing the caller said is lost.
INPUT_SAMPLE_RATE = 16_000
# The caller's audio in the 20 ms frames its RTP packets carry. Frames of Silero's 32 ms window
# (one VAD inference each, 31 frame hops a second instead of 50) cost a lone call about 4 %
# of a core less, but hold the end of the caller's speech back until its window fills: the
# recognizer's endpointing completes up to a frame later, 15 ms a turn at p50 in
# ``bench/voice_latency.py`` (three A/B runs; no difference in CPU per call at 4 callers).
# The VAD buffers 20 ms frames into its own windows.
INPUT_FRAME_MS = 20


def call_session_start(*, participant_identity: str) -> dict[str, Any]:
    """What ``AgentSession.start`` is given for a call, besides the agent and the room."""
    return {
        "room_options": caller_room_options(participant_identity=participant_identity),
        # The session host mirrors the session to the room as byte streams (each state
        # change, transcript and usage update) for a client SDK's RemoteSession to observe;
        # a phone has none, and betool's pages read the call's records instead.
        "session_host": False,
        # The call's recording is betool's own (telephony/worker/recording.py).
        "record": False,
    }


def caller_room_options(*, participant_identity: str) -> room_io.RoomOptions:
    """RoomIO for a call: the caller's audio in, the agent's audio out, nothing else."""
    return room_io.RoomOptions(
        participant_identity=participant_identity,
        close_on_disconnect=True,
        audio_input=room_io.AudioInputOptions(
            sample_rate=INPUT_SAMPLE_RATE,
            frame_size_ms=INPUT_FRAME_MS,
            # The library turns WebRTC's AGC on unless noise cancellation is set: a native call
            # per frame. A carrier's line arrives level-controlled already, and gain pushed
            # into a caller's pauses lifts the line noise the VAD must tell from speech.
            auto_gain_control=False,
            # The pre-connect buffer is a browser SDK's audio from before the agent joined;
            # phones and betool's test page send none, so it would only wait for it.
            pre_connect_audio=False,
        ),
        # Transcriptions go to the room as text streams, paced word by word against the
        # playout by a synchronizer fed every output frame; no phone and no betool page reads
        # them (the call's transcript is its turn records).
        text_output=False,
    )
