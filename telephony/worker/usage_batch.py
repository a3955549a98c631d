"""The interval usage reports of every call of a worker process, coalesced and billed in batches.

A report is cumulative, so of a call's reports still waiting only the latest matters: the
batcher keeps one per call and bills all that wait in one transaction (set-based SQL, see
``betool.services.ledger_meter_reports``), at most once per ``flush_interval_s``. Whoever
submitted a report learns its workspace's balance after the batch, which is what the hard stop
at zero credits reads.

One batcher serves the process, whatever thread or event loop a call runs on (livekit-agents
runs calls in job processes or threads): it bills on a thread of its own, with its own
database connection, and hands each caller a ``concurrent.futures.Future``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from decimal import Decimal

from voice_models.metering import UsageReport

logger = logging.getLogger("betool.worker.usage")

# What bills a batch: the reports in, each workspace's balance afterwards out.
BatchBill = Callable[[Sequence[UsageReport]], dict[int, Decimal]]


@dataclass
class _Waiting:
    sequence: int
    build: Callable[[], UsageReport]
    futures: list[Future[Decimal]] = field(default_factory=list)


class UsageBatcher:
    def __init__(self, *, bill: BatchBill, flush_interval_s: float = 0.5) -> None:
        self._bill = bill
        self._flush_interval_s = flush_interval_s
        self._waiting: dict[str, _Waiting] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False
        self.batches = 0
        self.reports_billed = 0

    def submit(
        self, *, source: str, sequence: int, build: Callable[[], UsageReport]
    ) -> Future[Decimal]:
        """Queues a source's report (``build`` runs on the batcher's thread, where the
        database may be read); the future gives the workspace's balance once it is billed.
        A later sequence of the same source replaces an earlier one still waiting."""
        future: Future[Decimal] = Future()
        with self._wake:
            waiting = self._waiting.get(source)
            if waiting is None:
                self._waiting[source] = _Waiting(sequence, build, [future])
            else:
                if sequence >= waiting.sequence:
                    waiting.sequence, waiting.build = sequence, build
                waiting.futures.append(future)
            self._start()
            self._wake.notify()
        return future

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="betool-usage-batcher", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        from django.db import connections

        while True:
            with self._wake:
                while not self._waiting and not self._closing:
                    self._wake.wait()
                if not self._waiting:
                    break
            if not self._closing:  # let the reports of the other calls gather for a while
                threading.Event().wait(self._flush_interval_s)
            with self._wake:
                batch, self._waiting = self._waiting, {}
            self._flush(list(batch.values()))
        connections.close_all()

    def close(self, *, timeout_s: float = 30.0) -> None:
        """Bills what is still waiting, then stops the thread (and its database connection)."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _flush(self, batch: list[_Waiting]) -> None:
        from django.db import close_old_connections

        close_old_connections()
        reports: list[UsageReport] = []
        try:
            reports = [waiting.build() for waiting in batch]
            balances = self._bill(reports)
        except Exception as exc:
            logger.exception("billing a batch of %d usage reports failed", len(batch))
            for waiting in batch:
                for future in waiting.futures:
                    _settle(future, exception=exc)
            return
        self.batches += 1
        self.reports_billed += len(reports)
        for waiting, report in zip(batch, reports, strict=True):
            balance = balances.get(report.workspace.pk, Decimal(0))
            for future in waiting.futures:
                _settle(future, result=balance)


def _settle(
    future: Future[Decimal], *, result: Decimal | None = None, exception: Exception | None = None
) -> None:
    # A call that ended meanwhile cancelled its wait (its report is billed all the same).
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result if result is not None else Decimal(0))
    except InvalidStateError:
        pass


_batcher: UsageBatcher | None = None
_batcher_lock = threading.Lock()


def usage_batcher() -> UsageBatcher:
    """The process's batcher, billing through ``telephony.calls.billing.call_usage_bill_batch``."""
    global _batcher
    with _batcher_lock:
        if _batcher is None:
            from django.conf import settings

            from telephony.calls.billing import call_usage_bill_batch

            _batcher = UsageBatcher(
                bill=call_usage_bill_batch, flush_interval_s=settings.VOICE_USAGE_BATCH_S
            )
        return _batcher
