"""The caller's keypad: keys gathered into digits for a Collect digits node, or a turn each.

One ``Keypad`` per call owns what a collection needs (what the graph asked for, the keys so
far, the timer) and the digits waiting for the next turn; nothing else writes them. The
room's DTMF events reach it through :func:`dtmf_handler`; a key pressed on hold resumes the
call instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from livekit import rtc

from pipelines.nodes.collect_digits import CollectDigitsParams

if TYPE_CHECKING:
    from telephony.worker.state import CallState

logger = logging.getLogger("betool.worker")

# Outside a collection "#" ends nothing and starts no turn: it is the usual "I am done" key.
IDLE_FINISH_KEY = "#"

# Called with the digits (maybe empty) and whether a collection asked for them.
DigitsReady = Callable[[str, bool], None]


@dataclass
class Keypad:
    _asked: CollectDigitsParams | None = None
    _keys: str = ""
    _timer: asyncio.TimerHandle | None = field(default=None, repr=False)
    _ready: str | None = None

    @property
    def collecting(self) -> bool:
        return self._asked is not None

    @property
    def timing(self) -> bool:
        """A wait for a key is running (for the first one, or between keys)."""
        return self._timer is not None

    def expect(self, asked: CollectDigitsParams) -> None:
        """The graph asks for digits: a collection starts, with no keys yet."""
        self._cancel_timer()
        self._asked = asked
        self._keys = ""

    def wait_for_first_key(self, ready: DigitsReady) -> None:
        """Once the prompt has been heard: a collection with no key yet ends after its wait."""
        asked = self._asked
        if asked is not None and not self._keys and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(asked.timeout_s, self.finish, ready)

    def press(self, key: str, ready: DigitsReady) -> None:
        """A key: ends the collection on its finish key (none when the node left it empty)
        or at its count, else waits for the next key; outside one, it is a turn at once."""
        self._cancel_timer()
        asked = self._asked
        finish_key = IDLE_FINISH_KEY if asked is None else asked.terminator
        if finish_key and key == finish_key:
            self.finish(ready)
            return
        self._keys += key
        if asked is None or len(self._keys) >= asked.max_digits:
            self.finish(ready)
            return
        self._timer = asyncio.get_running_loop().call_later(asked.timeout_s, self.finish, ready)

    def finish(self, ready: DigitsReady) -> None:
        """Hand the keys so far on; the collection, if any, is over."""
        self._cancel_timer()
        digits, collecting = self._keys, self._asked is not None
        self._keys = ""
        self._asked = None
        ready(digits, collecting)

    def hand_over(self, digits: str) -> None:
        """Digits for the next turn of the graph."""
        self._ready = digits

    def take_digits(self) -> str | None:
        """The digits handed over for this turn, once; None for a spoken turn."""
        digits, self._ready = self._ready, None
        return digits

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


# -- the call's keys --


def dtmf_handler(state: CallState) -> Callable[[rtc.SipDTMF], None]:
    """The room's ``sip_dtmf_received`` listener for the call."""

    def handle(ev: rtc.SipDTMF) -> None:
        try:
            on_dtmf(state, ev.digit)
        except Exception:
            logger.exception("DTMF handling failed on call %s", state.plan.call_id)

    return handle


def on_dtmf(state: CallState, digit: str) -> None:
    """A key the caller pressed: resumes a hold, or goes to the call's keypad (which hands
    digits to the graph as one turn, see ``Keypad.press``)."""
    from telephony.models import CallEventKind

    state.recorder.event(CallEventKind.DTMF, "digit", {"digit": digit})
    state.last_activity = time.monotonic()
    if state.on_hold:
        state.hold_resume.set()
        return
    state.keypad.press(digit, digits_ready(state))


def digits_ready(state: CallState) -> DigitsReady:
    """What the keypad calls with the digits: they become the graph's next turn."""

    def ready(digits: str, collecting: bool) -> None:
        session = state.session
        if session is None or state.ending or (not digits and not collecting):
            return
        state.keypad.hand_over(digits)
        if collecting or state.barge.keys_interrupt:
            # Digits being collected are the answer to the prompt: they end it, as a key does
            # wherever the barge-in mode lets keys interrupt. Otherwise the reply waits its turn.
            session.interrupt(force=True)
        session.generate_reply(user_input=digits or "#")

    return ready
