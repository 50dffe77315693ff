"""HTTP Basic authentication on the AS2 server, over real HTTP on 127.0.0.1."""
from __future__ import annotations

import base64
import pathlib
import socket
import sys
import urllib.parse

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from as2_fixtures import as2_profile, make_identity  # noqa: E402
from edi_mailbox.as2.client import As2Mailbox  # noqa: E402
from edi_mailbox.as2.httpauth import BasicAuth  # noqa: E402
from edi_mailbox.as2.message import Security, build  # noqa: E402
from edi_mailbox.as2.server import As2Server  # noqa: E402
from edi_mailbox.base import Accepted  # noqa: E402
from gateway.errors import PermanentError  # noqa: E402

ENV = {"AS2_PW": "s3cret:with colon ü", "WRONG_PW": "guess"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("as2auth")
    us, them = make_identity(d, "us"), make_identity(d, "them")
    files, events = [], []
    ours = as2_profile(d, name="them", partner_id="THEM", our_id="US",
                       partner_certs=[them.cert_path], our=us, url="http://127.0.0.1:1/")
    auth = BasicAuth.from_reference("partner", "env:AS2_PW", env=ENV, base_dir=d)
    server = As2Server("127.0.0.1", 0, lookup=lambda f, t: ours if (f, t) == ("THEM", "US")
                       else None,
                       accept=lambda f: (files.append(f), Accepted(f"doc-{len(files)}"))[1],
                       is_duplicate=lambda p, m: False, on_receipt=lambda r: None,
                       on_event=lambda *e: events.append(e), send_async_mdn=lambda *a: None,
                       env={}, basic_auth=auth)
    server.start()

    def client(user="partner", ref="env:AS2_PW", name="us"):
        extra = {"http_user": user, "http_password": ref} if user else {}
        profile = as2_profile(d, name=name, partner_id="US", our_id="THEM",
                              partner_certs=[us.cert_path], our=them, url=server.url, **extra)
        return As2Mailbox(profile, env=ENV)

    yield dict(server=server, files=files, events=events, client=client, us=us, them=them)
    server.stop()


def raw_request(url, headers, body=b"", send_body=True, timeout=5.0):
    """A hand-written HTTP/1.1 request; returns (status, headers, body, closed)."""
    u = urllib.parse.urlsplit(url)
    with socket.create_connection((u.hostname, u.port), timeout=timeout) as sock:
        lines = [f"POST {u.path} HTTP/1.1", f"Host: {u.hostname}:{u.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        if send_body:
            sock.sendall(body)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    hdrs = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), hdrs, rest


def signed_message(world):
    msg = build(b"UNB+UNOC:3'", filename="o.edi", content_type="application/edifact",
                as2_from="THEM", as2_to="US", security=Security(), sign_key=world["them"].key,
                sign_cert=world["them"].cert, recipients=(world["us"].cert,))
    return {**dict(msg.headers), "Content-Length": str(len(msg.body))}, msg.body


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_right_credentials_are_accepted(world):
    result = world["client"]().send("ok.edi", b"UNB+ok'")
    assert result.receipt.ok and world["files"][-1].name == "ok.edi"


@pytest.mark.parametrize("authorization", [
    None, basic("partner", "guess"), basic("other", ENV["AS2_PW"]), "Basic !!notbase64!!",
    "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer abc",
    basic("partner", ENV["AS2_PW"] + "x"), basic("partner", ENV["AS2_PW"][:-1])])
def test_wrong_or_missing_credentials_get_401_and_nothing_is_processed(world, authorization):
    headers, body = signed_message(world)
    if authorization:
        headers["Authorization"] = authorization
    before, events = len(world["files"]), len(world["events"])
    status, hdrs, text = raw_request(world["server"].url, headers, body)
    assert status == 401
    assert hdrs["www-authenticate"].startswith('Basic realm="AS2"')
    assert hdrs["connection"] == "close"
    assert b"Disposition" not in text  # no MDN: the message was never read
    assert len(world["files"]) == before  # nothing archived
    kind, partner, message = world["events"][events]
    assert kind == "http-auth-failed" and partner is None
    assert ("missing" if authorization is None else "wrong") in message
    assert ENV["AS2_PW"] not in message


def test_401_is_sent_without_reading_a_large_body(world):
    headers, _ = signed_message(world)
    headers["Content-Length"] = str(50 * 1024 * 1024)  # announced, never sent
    status, hdrs, _ = raw_request(world["server"].url, headers, send_body=False, timeout=5)
    assert status == 401  # answered at once, the server did not wait for 50 MB


def test_client_with_wrong_password_is_refused_permanently(world):
    with pytest.raises(PermanentError, match="HTTP 401"):
        world["client"](ref="env:WRONG_PW", name="us-wrong").send("x.edi", b"x")
    with pytest.raises(PermanentError, match="HTTP 401"):
        world["client"](user=None, name="us-none").send("x.edi", b"x")
    # and the right one still works afterwards
    assert world["client"]().send("after.edi", b"x").receipt.ok


def test_password_from_file_and_bad_references(tmp_path):
    (tmp_path / "pw").write_text("from-file\n")
    auth = BasicAuth.from_reference("u", "file:pw", env={}, base_dir=tmp_path)
    assert auth.check(basic("u", "from-file")) and not auth.check(basic("u", "from-file\n"))
    assert "from-file" not in repr(auth)
    with pytest.raises(PermanentError, match="literal secret"):
        BasicAuth.from_reference("u", "hunter2", env={}, base_dir=tmp_path)
    with pytest.raises(PermanentError, match="NOPE is not set"):
        BasicAuth.from_reference("u", "env:NOPE", env={}, base_dir=tmp_path)
    with pytest.raises(PermanentError, match="no ':'"):
        BasicAuth.from_reference("a:b", "env:X", env={"X": "y"}, base_dir=tmp_path)
