"""What a call does while the caller says nothing: shared by the voice worker (real time)
and the flow tests' silence steps (a controllable clock), so a suite tests the phone's rule.

Two waits run while the agent listens. A Collect digits node waits ``timeout_s`` for the
first key, then the graph goes on by its ``no_input`` output. Otherwise, after the number's
silence timeout the agent asks whether the caller is still there; a second one hangs up.
"""

from __future__ import annotations

SILENCE_PROMPT_LINE = "Are you still there?"
SILENCE_GOODBYE_LINE = "I have not heard from you, so I will end the call now. Goodbye."
# A number's silence timeout unless it sets one (and what a scenario assumes).
DEFAULT_SILENCE_TIMEOUT_S = 15.0
# A Collect digits node's wait for the first key when its action names none.
DEFAULT_DIGITS_WAIT_S = 10.0
SILENCE_PROMPTS_BEFORE_HANGUP = 2


def silence_ends_call(prompts: int) -> bool:
    """After the ``prompts``-th silence timeout in a row: hang up (else re-prompt)."""
    return prompts >= SILENCE_PROMPTS_BEFORE_HANGUP


def digits_wait_s(params: object) -> float:
    """How long a collect-digits action waits for the first key."""
    value = params.get("timeout_s") if isinstance(params, dict) else None
    return float(value) if isinstance(value, int | float) and value > 0 else DEFAULT_DIGITS_WAIT_S
