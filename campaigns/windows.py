"""Calling windows: the local hours, per weekday, in which a contact may be called.

A campaign's windows are ``{"mon": [["09:00", "18:00"]], …}`` in the contact's own time
zone ("24:00" closes at midnight). ``next_opening`` is what the dialer schedules a contact
for when it is due outside them, so the dialer never looks at it again before then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WINDOWS: dict[str, list[list[str]]] = {
    day: ([["09:00", "18:00"]] if day not in ("sat", "sun") else []) for day in WEEKDAYS
}


class WindowsInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Span:
    start_min: int  # minutes after local midnight
    end_min: int


def _minutes(text: object, *, day: str) -> int:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise WindowsInvalid(f"{day}: {text!r} is not a time like 09:30.")
    hours, minutes = text[:2], text[3:]
    if not (hours.isdigit() and minutes.isdigit()):
        raise WindowsInvalid(f"{day}: {text!r} is not a time like 09:30.")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise WindowsInvalid(f"{day}: {text!r} is not a time of day.")
    return value


def parse_windows(raw: object) -> dict[str, tuple[Span, ...]]:
    """Every weekday's spans, sorted; raises ``WindowsInvalid`` with a readable message."""
    if not isinstance(raw, dict):
        raise WindowsInvalid("Calling windows are a map of weekday to [start, end] pairs.")
    unknown = sorted(set(raw) - set(WEEKDAYS))
    if unknown:
        raise WindowsInvalid(f"Unknown weekday(s) {', '.join(unknown)}; use {', '.join(WEEKDAYS)}.")
    parsed: dict[str, tuple[Span, ...]] = {}
    for day in WEEKDAYS:
        spans = []
        for pair in raw.get(day) or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise WindowsInvalid(f"{day}: each window is a [start, end] pair.")
            start, end = _minutes(pair[0], day=day), _minutes(pair[1], day=day)
            if end <= start:
                raise WindowsInvalid(
                    f"{day}: a window must end after it starts ({pair[0]}-{pair[1]})."
                )
            spans.append(Span(start, end))
        parsed[day] = tuple(sorted(spans, key=lambda s: s.start_min))
    if not any(parsed.values()):
        raise WindowsInvalid("Open at least one calling window, or no call can ever be placed.")
    return parsed


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WindowsInvalid(f"{name!r} is not a time zone (e.g. Europe/Paris).") from exc


def next_opening(windows: dict[str, tuple[Span, ...]], *, at: datetime, tz: str) -> datetime:
    """``at`` itself when it falls inside a window in ``tz``, else when the next one opens."""
    local = at.astimezone(zone(tz))
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        for span in windows[WEEKDAYS[day.weekday()]]:
            if offset == 0:
                minute_now = local.hour * 60 + local.minute
                if span.start_min <= minute_now < span.end_min:
                    return at
                if minute_now >= span.start_min:
                    continue
            opening = datetime.combine(day, time(0), tzinfo=local.tzinfo) + timedelta(
                minutes=span.start_min
            )
            # Through a change of the clocks the wall time may not exist: normalise it.
            return opening.astimezone(at.tzinfo)
    raise WindowsInvalid("No calling window opens within a week.")  # parse_windows forbids it


def inside(windows: dict[str, tuple[Span, ...]], *, at: datetime, tz: str) -> bool:
    return next_opening(windows, at=at, tz=tz) == at
