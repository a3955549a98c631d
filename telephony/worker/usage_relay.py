"""The usage reports of every call of a worker, coalesced across its job processes.

livekit-agents runs each call in a job process of its own, so a batcher per process has one
call to coalesce. The worker's main process runs one relay instead: a Unix socket served by
a thread of its own, in front of the worker's one ``UsageBatcher``. A job process sends its
call's reports there, one JSON line each (the report's fields), and reads back the balance
of the call's workspace after the batch that billed it, which is what the hard stop at zero
credits reads. The job processes find the socket in ``BETOOL_USAGE_RELAY``, which the main
process sets before it starts them.

Reports are cumulative and billed idempotently (per meter, the largest quantity wins), so
a report sent again after a lost connection, or billed in the job process itself when the
relay cannot be reached, never bills twice.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from betool.models import Workspace
    from telephony.worker.usage_batch import UsageBatcher
    from voice_models.metering import UsageReport

logger = logging.getLogger("betool.worker.usage")

RELAY_ENV = "BETOOL_USAGE_RELAY"
# A line is one report: a call's cumulative usage with its model list stays far below this.
MAX_LINE_BYTES = 1 << 20


class RelayUnavailable(ConnectionError):
    """The relay cannot be reached: bill in this process instead."""


class RelayBillingFailed(RuntimeError):
    """The relay received the report but billing its batch failed."""


@dataclass(frozen=True, slots=True)
class RelayedReport:
    """A ``UsageReport`` as it crosses the socket: the workspace by id, dates as text."""

    workspace_id: int
    source: str
    sequence: int
    usage: dict[str, Any]
    priced_on: str
    occurred_at: str
    asr_model: str = ""
    tts_model: str = ""
    pipeline_id: int | None = None
    phone_number: str = ""
    is_test: bool = False

    @classmethod
    def of(cls, report: UsageReport) -> RelayedReport:
        return cls(
            workspace_id=report.workspace.pk,
            source=report.source,
            sequence=report.sequence,
            usage=dict(report.usage),
            priced_on=report.priced_on.isoformat(),
            occurred_at=report.occurred_at.isoformat(),
            asr_model=report.asr_model,
            tts_model=report.tts_model,
            pipeline_id=report.pipeline_id,
            phone_number=report.phone_number,
            is_test=report.is_test,
        )

    def message(self, request_id: int) -> bytes:
        fields = {name: getattr(self, name) for name in self.__slots__}
        return json.dumps({"id": request_id, "report": fields}).encode() + b"\n"


# ---- the job process's side -------------------------------------------------------------


class RelayClient:
    """One connection per job process, opened on its event loop at the first report; the
    replies come back by request id, so the reports of the call need not wait in line."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Decimal]] = {}
        self._next_id = 0
        self._lock: asyncio.Lock | None = None

    async def report(self, report: RelayedReport) -> Decimal:
        """Bills the report through the relay; returns the workspace's balance after it."""
        writer = await self._connected()
        self._next_id += 1
        request_id = self._next_id
        reply: asyncio.Future[Decimal] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = reply
        try:
            writer.write(report.message(request_id))
            await writer.drain()
        except (ConnectionError, OSError, TypeError, ValueError) as exc:
            self._pending.pop(request_id, None)
            self._drop()
            raise RelayUnavailable(str(exc)) from exc
        return await reply

    async def _connected(self) -> asyncio.StreamWriter:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._writer is None or self._writer.is_closing():
                try:
                    reader, self._writer = await asyncio.open_unix_connection(
                        self._path, limit=MAX_LINE_BYTES
                    )
                except (ConnectionError, OSError) as exc:
                    raise RelayUnavailable(f"{self._path}: {exc}") from exc
                self._reader_task = asyncio.create_task(self._read(reader))
            return self._writer

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                answer = json.loads(line)
                reply = self._pending.pop(int(answer["id"]), None)
                if reply is None or reply.done():
                    continue
                if "error" in answer:
                    reply.set_exception(RelayBillingFailed(str(answer["error"])))
                else:
                    reply.set_result(Decimal(answer["balance"]))
        except (ConnectionError, OSError, ValueError, KeyError):
            logger.warning("the usage relay's connection broke", exc_info=True)
        finally:
            self._fail_pending()

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for reply in pending.values():
            if not reply.done():
                reply.set_exception(RelayUnavailable("the relay closed the connection"))
        self._writer = None

    def _drop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._writer = None

    async def aclose(self) -> None:
        self._drop()
        if self._reader_task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader_task


_clients: dict[tuple[str, int], RelayClient] = {}


def relay_client() -> RelayClient | None:
    """This process's client of the worker's relay (one per event loop), or None when the
    worker runs none (calls in threads, tests, the web process)."""
    path = os.environ.get(RELAY_ENV, "")
    if not path:
        return None
    key = (path, id(asyncio.get_running_loop()))
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = RelayClient(path)
    return client


# ---- the worker's main process ------------------------------------------------------------

Decode = Callable[[RelayedReport], "UsageReport"]


class UsageRelay:
    """Serves the job processes' reports into one batcher, on a thread and loop of its own."""

    def __init__(self, *, batcher: UsageBatcher, decode: Decode, path: str) -> None:
        self._batcher = batcher
        self._decode = decode
        self.path = path
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.reports = 0

    def start(self) -> UsageRelay:
        self._thread = threading.Thread(target=self._run, name="betool-usage-relay", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the usage relay did not start on {self.path}")
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(
                asyncio.start_unix_server(self._serve, self.path, limit=MAX_LINE_BYTES)
            )
            os.chmod(self.path, 0o600)  # the worker's own processes only
            self._ready.set()
            loop.run_forever()
        finally:
            loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        replies: set[asyncio.Task[None]] = set()
        try:
            while line := await reader.readline():
                task = asyncio.create_task(self._answer(line, writer))
                replies.add(task)
                task.add_done_callback(replies.discard)
        except (ConnectionError, OSError):
            pass
        finally:
            if replies:
                await asyncio.gather(*replies, return_exceptions=True)
            writer.close()

    async def _answer(self, line: bytes, writer: asyncio.StreamWriter) -> None:
        answer: dict[str, int | str]
        try:
            request = json.loads(line)
            request_id = int(request["id"])
        except (ValueError, KeyError, TypeError):
            logger.warning("the usage relay got a line it cannot read: %r", line[:200])
            return
        try:
            relayed = RelayedReport(**request["report"])
            self.reports += 1
            future: Future[Decimal] = self._batcher.submit(
                source=relayed.source,
                sequence=relayed.sequence,
                build=lambda: self._decode(relayed),
            )
            balance = await asyncio.wrap_future(future)
            answer = {"id": request_id, "balance": str(balance)}
        # Whatever billing raised, the job process must get an answer (its report was not
        # billed), or its call waits on it.
        except Exception as exc:  # noqa: BLE001
            answer = {"id": request_id, "error": f"{type(exc).__name__}: {exc}"}
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()

    def close(self) -> None:
        loop, server = self._loop, self._server
        if loop is not None and server is not None:

            async def stop() -> None:
                server.close()
                await server.wait_closed()

            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        with contextlib.suppress(OSError):
            Path(self.path).unlink()


def report_decode(relayed: RelayedReport) -> UsageReport:
    """The report as the metering takes it (runs on the batcher's thread: it may read)."""
    from betool.models import Workspace
    from voice_models.metering import UsageReport

    return UsageReport(
        workspace=_workspace(relayed.workspace_id, Workspace),
        source=relayed.source,
        sequence=relayed.sequence,
        usage=relayed.usage,
        priced_on=date.fromisoformat(relayed.priced_on),
        occurred_at=datetime.fromisoformat(relayed.occurred_at),
        asr_model=relayed.asr_model,
        tts_model=relayed.tts_model,
        pipeline_id=relayed.pipeline_id,
        phone_number=relayed.phone_number,
        is_test=relayed.is_test,
    )


_workspaces: dict[int, Workspace] = {}


def _workspace(workspace_id: int, model: type[Workspace]) -> Workspace:
    # The metering reads a workspace's id only (its rates and configurations by it).
    workspace = _workspaces.get(workspace_id)
    if workspace is None:
        workspace = _workspaces[workspace_id] = model.objects.get(pk=workspace_id)
    return workspace


async def usage_report_send(
    *, source: str, sequence: int, build: Callable[[], UsageReport]
) -> Decimal:
    """Bills a call's interval report with the worker's other calls': through the relay
    when the worker runs one, else with this process's batcher. Returns the workspace's
    balance after it was billed."""
    from asgiref.sync import sync_to_async

    relay = relay_client()
    if relay is not None:
        report = await sync_to_async(build)()  # the call's labels may need a read
        try:
            return await relay.report(RelayedReport.of(report))
        except RelayUnavailable:
            logger.warning("the usage relay is unreachable: %s is billed here", source)
    # Imported here: a job process with a relay never needs the batcher (nor its imports).
    from telephony.worker.usage_batch import usage_batcher

    future = usage_batcher().submit(source=source, sequence=sequence, build=build)
    return await asyncio.wrap_future(future)


def usage_relay_start() -> UsageRelay:
    """Starts the worker's relay in front of the process's batcher and tells the job
    processes started from now on where it listens."""
    from telephony.worker.usage_batch import usage_batcher

    path = str(Path(tempfile.mkdtemp(prefix="betool-usage-")) / "relay.sock")
    batcher = usage_batcher()
    relay = UsageRelay(batcher=batcher, decode=report_decode, path=path).start()
    os.environ[RELAY_ENV] = path
    atexit.register(batcher.close)  # runs after relay.close: what it took is billed
    atexit.register(relay.close)
    logger.info("usage reports of the job processes go through %s", path)
    return relay
