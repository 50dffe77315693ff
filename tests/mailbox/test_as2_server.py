"""The AS2 server over real HTTP on 127.0.0.1, with our client as the sending partner."""
from __future__ import annotations

import http.client
import pathlib
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from as2_fixtures import as2_profile, make_identity  # noqa: E402
from edi_mailbox.as2.client import As2Mailbox, MdnOverdue  # noqa: E402
from edi_mailbox.as2.server import As2Server  # noqa: E402
from edi_mailbox.base import Accepted  # noqa: E402
from gateway.errors import PermanentError, SecurityError, TransientError  # noqa: E402


class Engine:
    """What the engine does behind the callbacks: archive, record, audit."""

    def __init__(self):
        self.files, self.events, self.receipts, self.seen = [], [], [], set()
        self.fail_accept = False
        self.lock = threading.Lock()

    def accept(self, f):
        if self.fail_accept:
            raise OSError("disk full")
        with self.lock:
            self.files.append(f)
            self.seen.add((f.partner, f.meta["message_id"]))
        return Accepted(f"doc-{len(self.files)}")

    def is_duplicate(self, partner, mid):
        return (partner, mid) in self.seen

    def on_event(self, kind, partner, message):
        with self.lock:
            self.events.append((kind, partner, message))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("as2srv")
    us, them, old = make_identity(d, "us"), make_identity(d, "them"), make_identity(d, "old")
    engine = Engine()
    posted = []
    holder = {}

    def lookup(as2_from, as2_to):
        return holder["ours"] if (as2_from, as2_to) == ("THEM", "US") else None

    server = As2Server("127.0.0.1", 0, lookup=lookup, accept=engine.accept,
                       is_duplicate=engine.is_duplicate, on_receipt=engine.receipts.append,
                       on_event=engine.on_event,
                       send_async_mdn=lambda url, h, b: posted.append((url, dict(h), b)),
                       max_body=2 * 1024 * 1024, env={})
    server.start()
    # our side's view of the partner THEM (their certificate, old one too: rollover)
    holder["ours"] = as2_profile(d, name="them", partner_id="THEM", our_id="US",
                                 partner_certs=[old.cert_path, them.cert_path], our=us,
                                 url="http://127.0.0.1:1/")
    # the partner's view of us: its client sends to our server
    theirs = as2_profile(d, name="us", partner_id="US", our_id="THEM",
                         partner_certs=[us.cert_path], our=them, url=server.url,
                         compression="before-signing", encryption="3des",
                         key_transport="rsa-oaep")
    yield dict(server=server, engine=engine, posted=posted, dir=d, us=us, them=them,
               theirs=theirs, client=As2Mailbox(theirs, env={}))
    server.stop()


def test_send_receive_sync_mdn(world):
    result = world["client"].send("order 1.edi", b"UNA:+.? 'UNB+UNOC:3\n+X'\r\n")
    assert result.receipt.ok and result.receipt.signed and result.receipt.mic_matches
    f = world["engine"].files[-1]
    assert f.data == b"UNA:+.? 'UNB+UNOC:3\n+X'\r\n" and f.name == "order 1.edi"
    assert f.channel == "as2:THEM" and f.meta["message_id"] == result.transport_id
    assert f.meta["mic"] == result.receipt.mic
    assert world["client"].poll(None).received == 0


def test_concurrent_requests(world):
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda i: world["client"].send(f"f{i}.edi", b"D%03d" % i * 500),
                                range(12)))
    assert all(r.receipt.ok for r in results)
    names = {f.name for f in world["engine"].files}
    assert {f"f{i}.edi" for i in range(12)} <= names


def _post(url, headers, body, length=None):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.putrequest("POST", u.path)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.putheader("Content-Length", str(len(body) if length is None else length))
    conn.endheaders()
    try:
        conn.send(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered before reading everything (413)
    if length is not None and length > len(body):
        conn.sock.shutdown(1)
    resp = conn.getresponse()
    return resp.status, resp.read()


def test_duplicate_message_id_gets_warning(world):
    from edi_mailbox.as2.message import Security, build
    them, us = world["them"], world["us"]
    msg = build(b"dup", filename="d.edi", content_type="application/edifact", as2_from="THEM",
                as2_to="US", security=Security(), sign_key=them.key, sign_cert=them.cert,
                recipients=(us.cert,))
    count = len(world["engine"].files)
    for expected in ("processed", "processed/warning: duplicate-document"):
        status, body = _post(world["server"].url, dict(msg.headers), msg.body)
        assert status == 200
        assert expected.encode() in body
        if expected == "processed":
            assert b"duplicate" not in body
    assert len(world["engine"].files) == count + 1  # the second copy never reached accept
    assert any(k == "duplicate-document" for k, _, _ in world["engine"].events)


def test_oversized_truncated_and_unknown(world):
    url = world["server"].url
    status, _ = _post(url, {"AS2-From": "THEM", "AS2-To": "US", "Message-ID": "<big@x>",
                            "Content-Type": "application/edi-x12"}, b"x" * (3 * 1024 * 1024))
    assert status == 413
    status, body = _post(url, {"AS2-From": "THEM", "AS2-To": "US", "Message-ID": "<t@x>",
                               "Content-Type": "application/edi-x12"}, b"x" * 100, length=1000)
    assert status in (400, 408)
    status, body = _post(url, {"AS2-From": "WHO", "AS2-To": "US", "Message-ID": "<u@x>",
                               "Content-Type": "application/edi-x12",
                               "Disposition-Notification-To": "x"}, b"ISA")
    assert status == 200 and b"unknown-trading-partner" in body
    status, body = _post(url, {"Content-Type": "application/edi-x12"}, b"ISA")
    assert status == 400 and b"AS2-From" in body
    kinds = [k for k, _, _ in world["engine"].events]
    assert "oversized" in kinds and "unknown-trading-partner" in kinds
    # still serving everyone else
    assert world["client"].send("after.edi", b"ok").receipt.ok


def test_accept_failure_negative_mdn(world):
    world["engine"].fail_accept = True
    try:
        with pytest.raises(PermanentError, match="unexpected-processing-error"):
            world["client"].send("x.edi", b"data")
    finally:
        world["engine"].fail_accept = False
    assert any(k == "accept-failed" for k, _, _ in world["engine"].events)


def test_async_mdn_posted_and_matched(world, tmp_path):
    d = world["dir"]
    theirs = as2_profile(d, name="us-async", partner_id="US", our_id="THEM",
                         partner_certs=[world["us"].cert_path], our=world["them"],
                         url=world["server"].url,
                         mdn={"mode": "async", "signed": True,
                              "async_url": "http://127.0.0.1:9/mdn", "wait": "1s"})
    client = As2Mailbox(theirs, env={})
    result = client.send("a.edi", b"async payload")
    assert result.receipt_expected and result.receipt is None
    url, headers, body = world["posted"][-1]
    assert url == "http://127.0.0.1:9/mdn"
    from edi_mailbox.as2 import mdn
    receipt = mdn.parse(headers["Content-Type"], body, [world["us"].cert], require_signed=True)
    matched = client.match(receipt)
    assert matched.ok and matched.mic_matches
    client.send("b.edi", b"never answered")
    time.sleep(1.1)
    overdue = client.overdue()
    assert len(overdue) == 1 and isinstance(overdue[0], MdnOverdue)


def test_wrong_partner_certificate_and_connection_refused(world):
    d = world["dir"]
    stranger = make_identity(d, "stranger")
    bad = as2_profile(d, name="us-bad", partner_id="US", our_id="THEM",
                      partner_certs=[stranger.cert_path], our=world["them"],
                      url=world["server"].url, encryption="none")
    with pytest.raises(SecurityError):  # our MDN is not signed by the cert they hold
        As2Mailbox(bad, env={}).send("c.edi", b"x")
    down = as2_profile(d, name="us-down", partner_id="US", our_id="THEM",
                       partner_certs=[world["us"].cert_path], our=world["them"],
                       url="http://127.0.0.1:1/as2")
    with pytest.raises(TransientError):
        As2Mailbox(down, env={}).send("c.edi", b"x")


def test_tls_server_and_client_verification(world, tmp_path):
    import datetime as dt
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
                ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    (tmp_path / "tls.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "tls.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    engine = world["engine"]
    holder = world["server"].app._lookup  # same partner setup as the plain server
    server = As2Server("127.0.0.1", 0, lookup=holder, accept=engine.accept,
                       is_duplicate=engine.is_duplicate, on_receipt=engine.receipts.append,
                       on_event=engine.on_event, send_async_mdn=lambda *a: None,
                       tls_cert=str(tmp_path / "tls.pem"), tls_key=str(tmp_path / "tls.key"),
                       env={})
    server.start()
    try:
        assert server.url.startswith("https://127.0.0.1:")
        profile = as2_profile(world["dir"], name="us-tls", partner_id="US", our_id="THEM",
                              partner_certs=[world["us"].cert_path], our=world["them"],
                              url=server.url)
        ctx = ssl.create_default_context(cafile=str(tmp_path / "tls.pem"))
        assert As2Mailbox(profile, env={}, ssl_context=ctx).send("tls.edi", b"t").receipt.ok
        with pytest.raises(SecurityError, match="TLS certificate"):
            As2Mailbox(profile, env={}).send("tls.edi", b"t")  # system CAs do not know it
    finally:
        server.stop()


@pytest.mark.parametrize("mutate,kind", [
    (lambda b: b[:-40] + bytes(40), "decryption-failed"),
    (lambda b: b[:len(b) // 2], "decryption-failed")])
def test_refused_messages_are_audited_and_never_accepted(world, mutate, kind):
    from edi_mailbox.as2.message import Security, build
    them, us = world["them"], world["us"]
    msg = build(b"payload", filename="p.edi", content_type="application/edifact",
                as2_from="THEM", as2_to="US", security=Security(), sign_key=them.key,
                sign_cert=them.cert, recipients=(us.cert,))
    before = len(world["engine"].files)
    status, body = _post(world["server"].url, dict(msg.headers), mutate(msg.body))
    assert status == 200 and f"processed/error: {kind}".encode() in body
    assert len(world["engine"].files) == before
    assert world["engine"].events[-1][0] == kind and world["engine"].events[-1][1] == "them"


def test_tampered_signed_content_is_integrity_failure_over_http(world):
    from edi_mailbox.as2.message import Security, build
    them, us = world["them"], world["us"]
    msg = build(b"AMOUNT 100", filename="p.edi", content_type="application/edifact",
                as2_from="THEM", as2_to="US", security=Security(encryption="none"),
                sign_key=them.key, sign_cert=them.cert, recipients=(us.cert,))
    status, body = _post(world["server"].url, dict(msg.headers),
                         msg.body.replace(b"AMOUNT 100", b"AMOUNT 900"))
    # the profile requires encryption, but the tampering is found first
    assert b"processed/error: integrity-check-failed" in body
    assert world["engine"].events[-1][0] == "integrity-check-failed"


def test_async_mdn_spooled_durably_and_posted_by_the_server(world, tmp_path):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from edi_mailbox.as2 import mdn
    got, arrived = [], threading.Event()

    class Partner(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            got.append((self.headers["Content-Type"],
                        self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            arrived.set()

        def log_message(self, *args):
            pass

    partner = ThreadingHTTPServer(("127.0.0.1", 0), Partner)
    threading.Thread(target=partner.serve_forever, daemon=True).start()
    engine = world["engine"]
    with pytest.raises(ValueError, match="mdn_spool"):
        As2Server("127.0.0.1", 0, lookup=world["server"].app._lookup, accept=engine.accept,
                  is_duplicate=engine.is_duplicate, on_receipt=engine.receipts.append,
                  on_event=engine.on_event, env={})
    server = As2Server("127.0.0.1", 0, lookup=world["server"].app._lookup,
                       accept=engine.accept, is_duplicate=engine.is_duplicate,
                       on_receipt=engine.receipts.append, on_event=engine.on_event, env={},
                       mdn_spool=tmp_path / "spool")
    server.start()
    try:
        theirs = as2_profile(world["dir"], name="us-spool", partner_id="US", our_id="THEM",
                             partner_certs=[world["us"].cert_path], our=world["them"],
                             url=server.url, mdn={"mode": "async", "signed": True, "async_url":
                                                  f"http://127.0.0.1:{partner.server_address[1]}/"})
        client = As2Mailbox(theirs, env={})
        result = client.send("spooled.edi", b"via the spool")
        assert arrived.wait(10)
        receipt = client.match(mdn.parse(got[0][0], got[0][1], [world["us"].cert],
                                         require_signed=True))
        assert receipt.ok and receipt.mic_matches and receipt.message_id == result.transport_id
        deadline = time.monotonic() + 5
        while list((tmp_path / "spool").glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert list((tmp_path / "spool").glob("*.json")) == []  # removed once delivered
    finally:
        server.stop()
        partner.shutdown()
        partner.server_close()


def test_async_mdn_that_cannot_be_queued_answers_503(world):
    engine = world["engine"]

    def broken(url, headers, body):
        raise OSError(28, "No space left on device")

    server = As2Server("127.0.0.1", 0, lookup=world["server"].app._lookup,
                       accept=engine.accept, is_duplicate=engine.is_duplicate,
                       on_receipt=engine.receipts.append, on_event=engine.on_event, env={},
                       send_async_mdn=broken)
    server.start()
    try:
        theirs = as2_profile(world["dir"], name="us-503", partner_id="US", our_id="THEM",
                             partner_certs=[world["us"].cert_path], our=world["them"],
                             url=server.url, mdn={"mode": "async", "signed": True,
                                                  "async_url": "http://127.0.0.1:9/"})
        with pytest.raises(TransientError, match="503"):
            As2Mailbox(theirs, env={}).send("q.edi", b"queue me")
        assert engine.events[-1][0] == "mdn-queue-failed"
        assert "No space left" in engine.events[-1][2]
    finally:
        server.stop()
