"""Who hears that a call ended, told by the apps above telephony.

Telephony may not import the apps built on it (campaigns); an app that needs to act when a
call ends registers a listener when Django is ready, and ``call_end`` calls each one inside
its transaction, once, when the call is first ended: what a listener writes commits or rolls
back with the end of the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telephony.models import Call

CallEndListener = Callable[["Call"], None]

_listeners: list[CallEndListener] = []


def call_end_listener_register(listener: CallEndListener) -> None:
    """``listener(call)`` runs when a call ends (registering the same one twice is a no-op)."""
    if listener not in _listeners:
        _listeners.append(listener)


def call_end_listeners_run(call: Call) -> None:
    for listener in _listeners:
        listener(call)
