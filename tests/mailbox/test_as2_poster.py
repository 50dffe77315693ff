"""The built-in async-MDN poster: bounded retries, exponential backoff, failure reported."""
from __future__ import annotations

import threading

from edi_mailbox.as2.poster import MdnPoster


def test_retries_then_succeeds():
    calls, delays, done = [], [], threading.Event()

    def post(url, headers, body):
        calls.append(url)
        if len(calls) < 3:
            raise OSError("connection refused")
        done.set()

    def wait(seconds):
        delays.append(seconds)
        return False

    poster = MdnPoster(post, attempts=5, first_delay=0.05, wait=wait)
    poster("http://127.0.0.1:9/mdn", [("AS2-From", "US")], b"mdn")
    assert done.wait(5)
    poster.close()
    assert len(calls) == 3
    assert delays == [0.05, 0.1]  # the delay doubles between attempts


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
