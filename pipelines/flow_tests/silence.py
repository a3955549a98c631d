"""Silence steps in text mode: the voice worker's waits (``pipelines.no_input``) played on a
clock the runner moves, so a thirty-second silence takes no time and ends as on the phone.

Two waits run while the agent listens: a Collect digits node's wait for the first key
(then the graph goes on by ``no_input``), and the number's silence timeout (a re-prompt,
then a hang-up). A caller who speaks stops both; the agent speaking restarts the second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from pipelines.flow_tests.observation import Observed
from pipelines.no_input import (
    SILENCE_GOODBYE_LINE,
    SILENCE_PROMPT_LINE,
    digits_wait_s,
    silence_ends_call,
)

SILENCE_HANGUP = {"action": "hangup", "reason": "silence_timeout"}


@dataclass(slots=True)
class ScenarioClock:
    """Seconds of call time since the call connected; a text run moves it, nothing sleeps."""

    now: float = 0.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(slots=True)
class Listening:
    """What waits on the caller's silence after the agent's last turn."""

    silence_timeout_s: float
    silence_left_s: float = 0.0
    digits_left_s: float | None = None
    prompts: int = 0

    def after_turn(self, seen: Observed, *, caller_acted: bool) -> None:
        if caller_acted:
            self.prompts = 0
        self.silence_left_s = self.silence_timeout_s
        waits = [action for action in seen.actions if action.get("action") == "collect_digits"]
        self.digits_left_s = digits_wait_s(waits[-1]) if waits else None

    def next_wait(self) -> tuple[float, str] | None:
        """Seconds of further silence until something happens, and what: a turn with no
        digits (``digits``) or a silence timeout (``silence``)."""
        waits: list[tuple[float, str]] = []
        if self.digits_left_s is not None:
            waits.append((self.digits_left_s, "digits"))
        if self.silence_timeout_s > 0:
            waits.append((self.silence_left_s, "silence"))
        return min(waits) if waits else None

    def elapse(self, seconds: float) -> None:
        self.silence_left_s -= seconds
        if self.digits_left_s is not None:
            self.digits_left_s -= seconds


TurnEvents = Callable[[], AsyncIterator[dict[str, object]]]


async def stay_silent(
    *,
    seconds: float,
    listening: Listening,
    clock: ScenarioClock,
    no_digits_turn: TurnEvents,
    hang_up: Callable[[], Awaitable[None]],
) -> Observed:
    """The caller says nothing for ``seconds``: what the call does meanwhile, in order."""
    seen = Observed()
    left = seconds
    while (upcoming := listening.next_wait()) is not None and upcoming[0] <= left:
        wait, what = upcoming
        wait = max(wait, 0.0)
        clock.advance(wait)
        listening.elapse(wait)
        left -= wait
        if what == "digits":
            turn = Observed()
            async for event in no_digits_turn():
                turn.add_event(event)
                seen.add_event(event)
            listening.after_turn(turn, caller_acted=False)
            if turn.ended:
                break
            continue
        listening.prompts += 1
        if silence_ends_call(listening.prompts):
            seen.said.append(SILENCE_GOODBYE_LINE)
            seen.actions.append(dict(SILENCE_HANGUP))
            seen.ended = True
            await hang_up()
            break
        seen.said.append(SILENCE_PROMPT_LINE)
        listening.silence_left_s = listening.silence_timeout_s
    else:
        clock.advance(left)
        listening.elapse(left)
    return seen
