"""Posting asynchronous MDNs durably: an on-disk spool, retries with backoff and jitter.

Every MDN to post is first written to the spool directory, one JSON file per MDN (URL, HTTP
headers, body, attempts, next attempt time), with ``write_atomic`` (fsync), *before* the
server answers the partner's POST.  A background thread posts what is due; a success
removes the file, a failure records the attempt and schedules the next one
(``backoff_delay``: exponential, capped, with jitter).  After ``max_attempts`` -- or at once
for an answer that retrying cannot change (HTTP 4xx other than 408/429, 3xx) -- the MDN is
moved to ``failed/`` with the reason, and ``on_failure`` is told.  A restart (a new poster
over the same directory) picks up every pending MDN where it was left; an MDN that was
being posted when the process died is posted again (at least once: partners match MDNs by
Original-Message-ID, so a repeat is harmless).

Layout::

    SPOOL/<id>.json          pending, retried
    SPOOL/failed/<id>.json   given up: the same record plus gave_up_at and reason
"""
from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import random
import ssl
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

from gateway.fsutil import fsync_dir, write_atomic

log = logging.getLogger(__name__)

Headers = Sequence[tuple[str, str]]
PostFn = Callable[[str, Headers, bytes], None]


class PostRefused(Exception):
    """The partner answered so that retrying cannot help (HTTP 4xx, 3xx)."""


class PostFailed(OSError):
    """Worth another attempt: connection problems, timeouts, HTTP 5xx/408/429."""


def http_post(url: str, headers: Headers, body: bytes, timeout: float = 30.0,
              context: Optional[ssl.SSLContext] = None) -> None:
    """POST ``body``; TLS certificates are verified (system CAs unless ``context``)."""
    u = urllib.parse.urlsplit(url)
    if u.scheme not in ("http", "https") or not u.hostname:
        raise PostRefused(f"async MDN URL {url!r} is not an http(s) URL")
    if u.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            u.hostname, u.port or 443, timeout=timeout,
            context=context or ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    hdrs = dict(headers)
    hdrs["Content-Length"] = str(len(body))
    try:
        conn.request("POST", (u.path or "/") + (f"?{u.query}" if u.query else ""), body=body,
                     headers=hdrs)
        resp = conn.getresponse()
        resp.read()
    except ssl.SSLCertVerificationError as exc:
        raise PostRefused(f"TLS certificate of {u.hostname} does not verify: "
                          f"{exc.verify_message}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise PostFailed(f"{type(exc).__name__}: {exc}") from None
    finally:
        conn.close()
    if 200 <= resp.status < 300:
        return
    if resp.status >= 500 or resp.status in (408, 429):
        raise PostFailed(f"HTTP {resp.status} {resp.reason}")
    raise PostRefused(f"HTTP {resp.status} {resp.reason}")


def backoff_delay(attempts: int, first: float, maximum: float, jitter: float,
                  rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after ``attempts`` failed attempts: first * 2**(attempts-1), capped at
    ``maximum``, then spread by +-``jitter`` (a fraction) so retries do not come in waves."""
    base = min(maximum, first * (2 ** max(0, attempts - 1)))
    return max(0.0, base * (1.0 + jitter * (2.0 * rand() - 1.0)))


@dataclass(frozen=True)
class PendingMdn:
    id: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    created: float  # epoch seconds
    next_attempt: float
    attempts: int = 0
    last_error: str = ""
    gave_up_at: Optional[float] = None
    reason: str = ""

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def describe(self) -> str:
        return (f"async MDN {self.header('Message-ID') or self.id} to "
                f"{self.header('AS2-To') or '?'} at {self.url}")

    def to_json(self) -> bytes:
        data = asdict(self)
        data["headers"] = [list(h) for h in self.headers]
        data["body"] = base64.b64encode(self.body).decode("ascii")
        return json.dumps(data, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> "PendingMdn":
        data = json.loads(raw)
        data["headers"] = tuple((str(k), str(v)) for k, v in data["headers"])
        data["body"] = base64.b64decode(data["body"])
        return cls(**data)


class MdnSpool:
    """The spool directory: one file per pending MDN, written atomically and fsynced."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.failed_dir = self.dir / "failed"
        self.failed_dir.mkdir(parents=True, exist_ok=True)

    def _path(self, mdn_id: str, failed: bool = False) -> Path:
        return (self.failed_dir if failed else self.dir) / f"{mdn_id}.json"

    def _write(self, item: PendingMdn, failed: bool = False) -> None:
        write_atomic(self._path(item.id, failed), item.to_json(),
                     temp_name=f".{item.id}.{uuid.uuid4().hex}.tmp")

    def add(self, url: str, headers: Headers, body: bytes, now: float) -> PendingMdn:
        item = PendingMdn(uuid.uuid4().hex, url, tuple((str(k), str(v)) for k, v in headers),
                          bytes(body), created=now, next_attempt=now)
        self._write(item)
        return item

    def update(self, item: PendingMdn) -> None:
        self._write(item)

    def done(self, item: PendingMdn) -> None:
        try:
            os.unlink(self._path(item.id))
        except FileNotFoundError:
            return
        fsync_dir(self.dir)

    def give_up(self, item: PendingMdn) -> None:
        """Record ``item`` (with gave_up_at/reason set) under failed/, then drop it."""
        self._write(item, failed=True)
        self.done(item)

    def _read(self, directory: Path) -> list[PendingMdn]:
        out = []
        for path in sorted(directory.glob("*.json")):
            try:
                out.append(PendingMdn.from_json(path.read_bytes()))
            except FileNotFoundError:
                continue
            except (ValueError, KeyError, TypeError) as exc:
                bad = self.failed_dir / (path.name + ".unreadable")
                log.error("async MDN spool file %s is unreadable (%s); moved to %s", path,
                          exc, bad)
                os.replace(path, bad)
                fsync_dir(self.dir)
        return out

    def pending(self) -> list[PendingMdn]:
        return self._read(self.dir)

    def failed(self) -> list[PendingMdn]:
        return self._read(self.failed_dir)

    def requeue(self, mdn_id: str, now: float) -> PendingMdn:
        """Put a given-up MDN back (an operator fixed the cause): attempts start again."""
        path = self._path(mdn_id, failed=True)
        item = PendingMdn.from_json(path.read_bytes())
        item = replace(item, attempts=0, next_attempt=now, gave_up_at=None, reason="")
        self._write(item)
        os.unlink(path)
        fsync_dir(self.failed_dir)
        return item


class MdnPoster:
    """Durable async-MDN poster.  ``poster(url, headers, body)`` spools and returns at once.

    ``start=False`` runs no thread: call ``run_due()`` yourself (tests, or an engine loop)."""

    def __init__(self, spool: Path | MdnSpool, post: PostFn = http_post, *,
                 max_attempts: int = 10, first_delay: float = 30.0, max_delay: float = 3600.0,
                 jitter: float = 0.2, workers: int = 4,
                 on_failure: Optional[Callable[[str, str], None]] = None,
                 on_sent: Optional[Callable[[PendingMdn], None]] = None,
                 clock: Callable[[], float] = time.time,
                 rand: Callable[[], float] = random.random, start: bool = True) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.spool = spool if isinstance(spool, MdnSpool) else MdnSpool(Path(spool))
        self._post, self._max_attempts = post, max_attempts
        self._first, self._max_delay, self._jitter = first_delay, max_delay, jitter
        self._on_failure, self._on_sent = on_failure, on_sent
        self._clock, self._rand = clock, rand
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._items: dict[str, PendingMdn] = {i.id: i for i in self.spool.pending()}
        self._busy: set[str] = set()
        self._closing = False
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers),
                                        thread_name_prefix="as2-mdn-post")
        self._thread: Optional[threading.Thread] = None
        if start:
            self._thread = threading.Thread(target=self._run, name="as2-mdn-poster",
                                            daemon=True)
            self._thread.start()

    # -------------------------------------------------------------------- queueing
    def __call__(self, url: str, headers: Headers, body: bytes) -> None:
        """Spool one MDN durably (raises OSError when it cannot be written)."""
        item = self.spool.add(url, headers, body, self._clock())
        with self._wake:
            self._items[item.id] = item
            self._wake.notify()

    def pending(self) -> list[PendingMdn]:
        with self._lock:
            return sorted(self._items.values(), key=lambda i: (i.next_attempt, i.id))

    # -------------------------------------------------------------------- posting
    def _attempt(self, item: PendingMdn) -> None:
        try:
            self._post(item.url, item.headers, item.body)
        except PostRefused as exc:
            self._failed(item, f"{exc}", final=True)
        except Exception as exc:  # connection, timeout, HTTP 5xx, anything else: retry
            self._failed(item, f"{type(exc).__name__}: {exc}" if not isinstance(
                exc, PostFailed) else str(exc), final=False)
        else:
            try:
                self.spool.done(item)
            finally:
                with self._wake:
                    self._items.pop(item.id, None)
            log.info("%s posted after %d attempt(s)", item.describe(), item.attempts + 1)
            if self._on_sent:
                self._on_sent(item)
        finally:
            with self._wake:
                self._busy.discard(item.id)
                self._wake.notify()

    def _failed(self, item: PendingMdn, error: str, *, final: bool) -> None:
        now = self._clock()
        attempts = item.attempts + 1
        if final or attempts >= self._max_attempts:
            why = ("the partner refused it" if final else
                   f"given up after {attempts} attempt(s)")
            item = replace(item, attempts=attempts, last_error=error, gave_up_at=now,
                           reason=why)
            self.spool.give_up(item)
            with self._wake:
                self._items.pop(item.id, None)
            message = (f"{item.describe()} failed: {why}; last error: {error}; kept in "
                       f"{self.spool.failed_dir / (item.id + '.json')}")
            log.error(message)
            if self._on_failure:
                self._on_failure(item.url, message)
            return
        delay = backoff_delay(attempts, self._first, self._max_delay, self._jitter, self._rand)
        item = replace(item, attempts=attempts, last_error=error, next_attempt=now + delay)
        try:
            self.spool.update(item)
        except OSError as exc:  # the schedule then lives in memory until the disk recovers
            log.error("%s: cannot record attempt %d in the spool: %s", item.describe(),
                      attempts, exc)
        with self._wake:
            if item.id in self._items:
                self._items[item.id] = item
        log.warning("%s: attempt %d failed (%s); next in %.0fs", item.describe(), attempts,
                    error, delay)

    def _due(self, now: float) -> list[PendingMdn]:
        return [i for i in sorted(self._items.values(), key=lambda i: (i.next_attempt, i.id))
                if i.next_attempt <= now and i.id not in self._busy]

    def run_due(self) -> int:
        """Post, in this thread, every MDN that is due now; how many were tried."""
        with self._lock:
            due = self._due(self._clock())
            self._busy.update(i.id for i in due)
        for item in due:
            self._attempt(item)
        return len(due)

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._closing:
                    return
                now = self._clock()
                due = self._due(now)
                if not due:
                    waiting = [i.next_attempt for i in self._items.values()
                               if i.id not in self._busy]
                    timeout = max(0.0, min(waiting) - now) if waiting else None
                    self._wake.wait(timeout if timeout is None else min(timeout, 60.0))
                    continue
                self._busy.update(i.id for i in due)
            for item in due:
                try:
                    self._pool.submit(self._attempt, item)
                except RuntimeError:  # pool shut down: closing
                    return

    def close(self, timeout: float = 5.0) -> None:
        """Stop posting; pending MDNs stay in the spool for the next start."""
        with self._wake:
            self._closing = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
