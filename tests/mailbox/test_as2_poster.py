"""The durable async-MDN poster: on-disk spool, backoff with jitter, give-up record, restart."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from edi_mailbox.as2.poster import (MdnPoster, MdnSpool, PostFailed, PostRefused, backoff_delay,
                                    http_post)

HEADERS = [("AS2-From", "US"), ("AS2-To", "THEM"), ("Message-ID", "<mdn-1@us>"),
           ("Content-Type", "multipart/report; boundary=x")]


class Clock:
    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


def test_backoff_exponential_capped_with_jitter():
    assert [backoff_delay(n, 2, 100, 0) for n in (1, 2, 3, 4, 7, 8)] == [2, 4, 8, 16, 100, 100]
    assert backoff_delay(3, 2, 100, 0.25, rand=lambda: 0.0) == 6.0  # 8 * 0.75
    assert backoff_delay(3, 2, 100, 0.25, rand=lambda: 1.0) == 10.0  # 8 * 1.25
    import random
    rng = random.Random(7)
    spread = {round(backoff_delay(5, 1, 1000, 0.2, rng.random), 3) for _ in range(50)}
    assert len(spread) > 40 and all(12.8 <= d <= 19.2 for d in spread)


def test_spooled_durably_before_returning_and_removed_after_success(tmp_path):
    posted = []
    clock = Clock()
    poster = MdnPoster(tmp_path, lambda u, h, b: posted.append((u, dict(h), b)), clock=clock,
                       start=False)
    poster("http://127.0.0.1:9/mdn", HEADERS, b"\x00mdn body\xff")
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1  # on disk before anything was posted
    record = json.loads(files[0].read_text())
    assert record["url"] == "http://127.0.0.1:9/mdn" and record["attempts"] == 0
    assert record["next_attempt"] == clock.t and ["AS2-To", "THEM"] in record["headers"]
    assert poster.run_due() == 1
    assert posted == [("http://127.0.0.1:9/mdn", dict(HEADERS), b"\x00mdn body\xff")]
    assert list(tmp_path.glob("*.json")) == [] and poster.pending() == []
    poster.close()


def test_retries_follow_the_backoff_and_survive_a_crash(tmp_path):
    clock = Clock()
    calls = []

    def down(url, headers, body):
        calls.append(url)
        raise PostFailed("connection refused")

    first = MdnPoster(tmp_path, down, first_delay=10, max_delay=1000, jitter=0,
                      max_attempts=6, clock=clock, start=False)
    for i in range(3):
        first(f"http://127.0.0.1:9/mdn/{i}", HEADERS, b"mdn %d" % i)
    assert first.run_due() == 3
    assert first.run_due() == 0  # not due again before the delay
    clock.t += 10
    assert first.run_due() == 3
    states = sorted((p.attempts, p.next_attempt - clock.t) for p in MdnSpool(tmp_path).pending())
    assert states == [(2, 20.0)] * 3  # recorded on disk: attempts and next attempt time
    assert all(p.last_error == "connection refused" for p in MdnSpool(tmp_path).pending())
    del first  # the process "crashes": no close(), the spool is all that is left

    delivered = []
    second = MdnPoster(tmp_path, lambda u, h, b: delivered.append(b), jitter=0, clock=clock,
                       start=False)
    assert len(second.pending()) == 3
    assert second.run_due() == 0  # the schedule survived the restart too
    clock.t += 20
    assert second.run_due() == 3
    assert sorted(delivered) == [b"mdn 0", b"mdn 1", b"mdn 2"]
    assert MdnSpool(tmp_path).pending() == [] and MdnSpool(tmp_path).failed() == []
    assert len(calls) == 6
    second.close()


def test_gives_up_after_the_limit_with_a_record(tmp_path):
    clock, failures = Clock(), []
    poster = MdnPoster(tmp_path, lambda u, h, b: (_ for _ in ()).throw(PostFailed("HTTP 503")),
                       max_attempts=3, first_delay=1, jitter=0, clock=clock, start=False,
                       on_failure=lambda url, msg: failures.append((url, msg)))
    poster("http://partner.example/mdn", HEADERS, b"x")
    for _ in range(5):
        poster.run_due()
        clock.t += 100
    assert len(failures) == 1
    url, message = failures[0]
    assert url == "http://partner.example/mdn"
    assert "given up after 3 attempt(s)" in message and "HTTP 503" in message
    assert "<mdn-1@us>" in message and "THEM" in message and "failed" in message
    spool = MdnSpool(tmp_path)
    assert spool.pending() == []
    [failed] = spool.failed()
    assert failed.attempts == 3 and failed.gave_up_at is not None and failed.body == b"x"
    # an operator fixes the cause and requeues it
    spool.requeue(failed.id, clock.t)
    ok = []
    again = MdnPoster(tmp_path, lambda u, h, b: ok.append(b), clock=clock, start=False)
    assert again.run_due() == 1 and ok == [b"x"] and spool.failed() == []


def test_refusal_is_not_retried(tmp_path):
    failures, calls = [], []

    def refuse(url, headers, body):
        calls.append(1)
        raise PostRefused("HTTP 404 Not Found")

    poster = MdnPoster(tmp_path, refuse, clock=Clock(), start=False,
                       on_failure=lambda url, msg: failures.append(msg))
    poster("http://127.0.0.1:9/mdn", HEADERS, b"x")
    poster.run_due()
    assert len(calls) == 1 and "refused" in failures[0] and "404" in failures[0]
    assert len(MdnSpool(tmp_path).failed()) == 1


def test_unreadable_spool_file_is_set_aside(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    poster = MdnPoster(tmp_path, lambda *a: None, start=False)
    assert poster.pending() == []
    assert (tmp_path / "failed" / "broken.json.unreadable").exists()


class _Receiver(BaseHTTPRequestHandler):
    bodies: list = []
    status = 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).bodies.append((self.headers["AS2-To"], body))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_background_thread_posts_over_http_after_partner_comes_back(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    port = server.server_address[1]
    _Receiver.bodies, _Receiver.status = [], 503
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sent = threading.Event()
    try:
        poster = MdnPoster(tmp_path, first_delay=0.05, max_delay=0.2, jitter=0.1,
                           on_sent=lambda item: sent.set())
        poster(f"http://127.0.0.1:{port}/mdn", HEADERS, b"the MDN")
        deadline = time.monotonic() + 5
        while not _Receiver.bodies and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _Receiver.bodies  # tried, answered 503: stays pending
        assert not sent.is_set() and len(MdnSpool(tmp_path).pending()) == 1
        _Receiver.status = 200
        assert sent.wait(5)
        poster.close()
        assert _Receiver.bodies[-1] == ("THEM", b"the MDN")
        assert MdnSpool(tmp_path).pending() == []
    finally:
        server.shutdown()


def test_http_post_classifies_answers(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    url = f"http://127.0.0.1:{server.server_address[1]}/mdn"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for status, error in ((200, None), (500, PostFailed), (429, PostFailed),
                              (403, PostRefused), (301, PostRefused)):
            _Receiver.status = status
            if error is None:
                http_post(url, HEADERS, b"ok")
            else:
                with pytest.raises(error, match=str(status)):
                    http_post(url, HEADERS, b"x")
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(PostFailed):
        http_post(url, HEADERS, b"x", timeout=2)  # nobody listens any more
    with pytest.raises(PostRefused, match="not an http"):
        http_post("ftp://x/y", HEADERS, b"x")
