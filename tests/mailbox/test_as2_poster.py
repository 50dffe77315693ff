"""The built-in async-MDN poster: bounded retries, exponential backoff, failure reported."""
from __future__ import annotations

import threading
import time

from edi_mailbox.as2.poster import MdnPoster


def test_retries_then_succeeds():
    calls, done = [], threading.Event()

    def post(url, headers, body):
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise OSError("connection refused")
        done.set()

    poster = MdnPoster(post, attempts=5, first_delay=0.05)
    poster("http://127.0.0.1:9/mdn", [("AS2-From", "US")], b"mdn")
    assert done.wait(5)
    poster.close()
    assert len(calls) == 3
    assert calls[2] - calls[1] >= 1.5 * (calls[1] - calls[0]) * 0.9  # the delay doubles


def test_gives_up_after_bounded_attempts_and_reports():
    failures, calls = [], []
    gave_up = threading.Event()

    def post(url, headers, body):
        calls.append(url)
        raise OSError("down")

    poster = MdnPoster(post, attempts=3, first_delay=0.01,
                       on_failure=lambda url, msg: (failures.append(msg), gave_up.set()))
    poster("http://127.0.0.1:9/mdn", [], b"x")
    assert gave_up.wait(5)
    poster.close()
    assert len(calls) == 3 and "after 3 attempt(s)" in failures[0]
