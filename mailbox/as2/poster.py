"""Posting asynchronous MDNs: a background thread with bounded retries and backoff."""
from __future__ import annotations

import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from typing import Callable, Optional, Sequence

log = logging.getLogger(__name__)

PostFn = Callable[[str, Sequence[tuple[str, str]], bytes], None]


def http_post(url: str, headers: Sequence[tuple[str, str]], body: bytes,
              timeout: float = 30.0) -> None:
    req = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # TLS verified by default
        if resp.status >= 300:
            raise OSError(f"HTTP {resp.status}")


class MdnPoster:
    """Queue of (url, headers, body); each is tried ``attempts`` times, backoff doubling."""

    def __init__(self, post: PostFn = http_post, *, attempts: int = 5, first_delay: float = 2.0,
                 on_failure: Optional[Callable[[str, str], None]] = None,
                 wait: Optional[Callable[[float], bool]] = None) -> None:
        self._post, self._attempts, self._delay = post, attempts, first_delay
        self._on_failure = on_failure
        self._queue: "queue.Queue[Optional[tuple[str, Sequence[tuple[str, str]], bytes]]]" = \
            queue.Queue()
        self._stop = threading.Event()
        # wait(seconds) -> True when the poster is closing; replaceable so tests need no clock
        self._wait = wait or self._stop.wait
        self._thread = threading.Thread(target=self._run, name="as2-mdn-poster", daemon=True)
        self._thread.start()

    def __call__(self, url: str, headers: Sequence[tuple[str, str]], body: bytes) -> None:
        self._queue.put((url, tuple(headers), body))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            url, headers, body = item
            delay = self._delay
            for attempt in range(1, self._attempts + 1):
                try:
                    self._post(url, headers, body)
                    break
                except (OSError, urllib.error.URLError) as exc:
                    if attempt == self._attempts or self._wait(delay):
                        if self._on_failure:
                            self._on_failure(url, f"async MDN to {url} failed after {attempt} "
                                                  f"attempt(s): {exc}")
                        break
                    delay *= 2

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._queue.put(None)
        self._thread.join(timeout)
