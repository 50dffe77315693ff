"""The AS2 receiving endpoint: a WSGI application served by cheroot.

cheroot is a production-grade threaded HTTP/1.1 server (``numthreads`` concurrent
requests).  TLS: pass ``tls_cert``/``tls_key`` (cheroot's builtin ssl adapter), or run
plain HTTP on 127.0.0.1 behind a reverse proxy (nginx, HAProxy) that terminates TLS and
forwards ``/`` -- see docs/as2.md.  Bodies above ``max_body`` are refused with 413 before
they are read.  The payload is handed to ``accept`` (the engine archives it durably) before
any positive MDN is returned or posted.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Sequence

from cheroot import wsgi

from edi_mailbox.as2 import receive as rx
from edi_mailbox.as2.errors import DUPLICATE, UNEXPECTED
from edi_mailbox.as2.httpauth import BasicAuth
from edi_mailbox.as2.keys import party_from_profile
from edi_mailbox.as2.poster import MdnPoster
from edi_mailbox.base import Accept, Accepted, InboundFile, Receipt
from gateway.errors import GatewayError
from gateway.profiles.model import Profile

log = logging.getLogger(__name__)

Event = Callable[[str, Optional[str], str], None]
PostFn = Callable[[str, Sequence[tuple[str, str]], bytes], None]
DEFAULT_MAX_BODY = 100 * 1024 * 1024


class As2App:
    """The WSGI application (usable under any WSGI server)."""

    def __init__(self, *, lookup: Callable[[str, str], Optional[Profile]], accept: Accept,
                 is_duplicate: Callable[[str, str], bool], on_receipt: Callable[[Receipt], None],
                 on_event: Event, send_async_mdn: PostFn, max_body: int = DEFAULT_MAX_BODY,
                 env: Optional[Mapping[str, str]] = None,
                 basic_auth: Optional[BasicAuth] = None) -> None:
        self._auth = basic_auth
        self._lookup, self._accept, self._is_duplicate = lookup, accept, is_duplicate
        self._on_receipt, self._on_event, self._post = on_receipt, on_event, send_async_mdn
        self._max_body, self._env = max_body, env if env is not None else os.environ
        self._parties: dict[tuple[str, str], rx.Party] = {}
        self._lock = threading.Lock()

    # -- profiles -> parties (keys loaded once per profile version)
    def _party(self, as2_from: str, as2_to: str) -> Optional[rx.Party]:
        profile = self._lookup(as2_from, as2_to)
        if profile is None:
            return None
        key = (profile.name, profile.digest)
        with self._lock:
            party = self._parties.get(key)
        if party is None:
            party = party_from_profile(profile, self._env)
            with self._lock:
                self._parties[key] = party
        return party

    def _event(self, kind: str, partner: Optional[str], message: str) -> None:
        try:
            self._on_event(kind, partner, message)
        except Exception:  # an audit hook failing must not take the endpoint down
            log.exception("AS2 on_event hook failed for %s", kind)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            status, headers, body = self.handle(environ)
        except Exception as exc:  # last resort: never crash the server thread
            log.exception("AS2 request failed")
            self._event("internal-error", None, f"AS2 request failed: {type(exc).__name__}")
            status, headers, body = "500 Internal Server Error", [], b"internal error\r\n"
        start_response(status, list(headers) + [("Content-Length", str(len(body)))])
        return [body]

    def _read_body(self, environ: dict) -> tuple[Optional[bytes], Optional[tuple[str, str]]]:
        length_text = environ.get("CONTENT_LENGTH") or ""
        stream = environ["wsgi.input"]
        if length_text:
            try:
                length = int(length_text)
            except ValueError:
                return None, ("400 Bad Request", "bad Content-Length")
            if length > self._max_body:
                return None, ("413 Payload Too Large",
                              f"body of {length} bytes exceeds the limit of {self._max_body}")
            chunks, got = [], 0
            while got < length:
                chunk = stream.read(min(1 << 20, length - got))
                if not chunk:
                    return None, ("400 Bad Request",
                                  f"truncated body: {got} of {length} bytes received")
                chunks.append(chunk)
                got += len(chunk)
            return b"".join(chunks), None
        data = stream.read(self._max_body + 1)  # chunked transfer encoding
        if len(data) > self._max_body:
            return None, ("413 Payload Too Large", f"body exceeds the limit of {self._max_body}")
        return data, None

    def handle(self, environ: dict) -> tuple[str, Sequence[tuple[str, str]], bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return "405 Method Not Allowed", [("Allow", "POST")], b"AS2 endpoint: POST only\r\n"
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        who = headers.get("as2-from", "?")
        if self._auth is not None and not self._auth.check(environ.get("HTTP_AUTHORIZATION")):
            how = "wrong" if environ.get("HTTP_AUTHORIZATION") else "missing"
            self._event("http-auth-failed", None,
                        f"AS2 request from {environ.get('REMOTE_ADDR', '?')} (AS2-From {who!r}, "
                        f"Message-ID {headers.get('message-id', '?')}): {how} HTTP Basic "
                        "credentials; refused with 401, body not read")
            return "401 Unauthorized", [("WWW-Authenticate", self._auth.challenge),
                                        ("Content-Type", "text/plain"),
                                        ("Connection", "close")], \
                b"HTTP authentication required\r\n"
        body, problem = self._read_body(environ)
        if problem is not None:
            kind = "oversized" if problem[0].startswith("413") else "truncated"
            self._event(kind, None, f"AS2 from {who!r}: {problem[1]}")
            return problem[0], [("Content-Type", "text/plain")], (problem[1] + "\r\n").encode()
        assert body is not None
        try:
            outcome = rx.receive(headers, body, self._party)
        except GatewayError as exc:  # a profile whose keys cannot be loaded
            self._event("configuration", None, f"AS2 from {who!r}: {exc}")
            return "500 Internal Server Error", [("Content-Type", "text/plain")], \
                b"partner configuration error\r\n"
        if isinstance(outcome, rx.MdnArrived):
            self._event("mdn-received", outcome.party.name,
                        f"MDN for {outcome.receipt.message_id}: {outcome.receipt.disposition}")
            self._on_receipt(replace(outcome.receipt, partner=outcome.party.name))
            return "200 OK", [("Content-Type", "text/plain")], b"MDN received\r\n"
        if isinstance(outcome, rx.Refused):
            partner = outcome.party.name if outcome.party else None
            self._event(outcome.kind, partner,
                        f"AS2 message {outcome.message_id or '?'} from {outcome.as2_from!r}: "
                        f"refused ({outcome.disposition}): {outcome.message}")
            return self._reply(outcome, rx.answer(outcome), outcome.http_status, outcome.message)
        return self._deliver(outcome)

    def _deliver(self, got: rx.Delivered) -> tuple[str, Sequence[tuple[str, str]], bytes]:
        name = got.party.name
        if self._is_duplicate(name, got.message_id):
            self._event(DUPLICATE, name, f"AS2 message {got.message_id} ({got.filename}) was "
                        "received before; not processed again")
            return self._reply(got, rx.answer(got, warning=DUPLICATE), 200, "duplicate")
        inbound = InboundFile(partner=name, channel=f"as2:{got.party.partner_id}",
                              name=got.filename, data=got.payload,
                              meta={"message_id": got.message_id, "as2_from": got.party.partner_id,
                                    "as2_to": got.party.our_id, "mic": got.mic,
                                    "content_type": got.content_type,
                                    "signed": str(got.signed).lower(),
                                    "encrypted": str(got.encrypted).lower(),
                                    "compressed": str(got.compressed).lower()})
        try:
            accepted: Accepted = self._accept(inbound)
        except Exception as exc:
            self._event("accept-failed", name, f"AS2 message {got.message_id} ({got.filename}) "
                        f"could not be stored: {type(exc).__name__}: {exc}")
            mdn = rx.answer(got, error=UNEXPECTED)
            return self._reply(got, mdn, 500, "could not store the message")
        if accepted.duplicate:
            self._event(DUPLICATE, name, f"AS2 message {got.message_id} ({got.filename}) "
                        f"repeats document {accepted.document_id}")
            return self._reply(got, rx.answer(got, warning=DUPLICATE), 200, "duplicate")
        self._event("received", name, f"AS2 message {got.message_id} ({got.filename}, "
                    f"{len(got.payload)} bytes) stored as {accepted.document_id}")
        return self._reply(got, rx.answer(got), 200, "received")

    def _reply(self, outcome: object, mdn: Optional[object], status: int,
               text: str) -> tuple[str, Sequence[tuple[str, str]], bytes]:
        from edi_mailbox.as2.mdn import OutgoingMdn
        reason = {200: "200 OK", 400: "400 Bad Request", 500: "500 Internal Server Error"}[status]
        if isinstance(mdn, OutgoingMdn):
            if mdn.async_url:
                try:
                    self._post(mdn.async_url, mdn.headers, mdn.body)
                except Exception as exc:  # not spooled: the partner must send again
                    self._event("mdn-queue-failed", None,
                                f"async MDN {mdn.message_id} to {mdn.async_url} could not "
                                f"be queued: {type(exc).__name__}: {exc}; answered 503")
                    return "503 Service Unavailable", [("Content-Type", "text/plain"),
                                                       ("Retry-After", "60")], \
                        b"the MDN could not be queued; send the message again later\r\n"
                return "200 OK", [("Content-Type", "text/plain")], b"async MDN will follow\r\n"
            return "200 OK", list(mdn.headers), mdn.body
        return reason, [("Content-Type", "text/plain")], (text + "\r\n").encode()


class _Gateway(wsgi.Gateway_10):
    """cheroot's WSGI 1.0 gateway, closing the connection when the application answers with
    ``Connection: close`` (a 401 is sent without reading -- or draining -- the body)."""

    def start_response(self, status, headers, exc_info=None):  # type: ignore[no-untyped-def]
        if any(k.lower() == "connection" and v.lower() == "close" for k, v in headers):
            self.req.close_connection = True
        return super().start_response(status, headers, exc_info)


class As2Server:
    """cheroot serving ``As2App`` on host:port (port 0: any free port)."""

    def __init__(self, host: str, port: int, *, lookup: Callable[[str, str], Optional[Profile]],
                 accept: Accept, is_duplicate: Callable[[str, str], bool],
                 on_receipt: Callable[[Receipt], None], on_event: Event,
                 send_async_mdn: Optional[PostFn] = None, tls_cert: Optional[str] = None,
                 tls_key: Optional[str] = None, max_body: int = DEFAULT_MAX_BODY,
                 env: Optional[Mapping[str, str]] = None, numthreads: int = 10,
                 path: str = "/", basic_auth: Optional[BasicAuth] = None,
                 mdn_spool: Optional[Path] = None) -> None:
        self._poster = None
        if send_async_mdn is None:
            if mdn_spool is None:
                raise ValueError("As2Server needs mdn_spool=DIRECTORY (the durable queue of "
                                 "async MDNs) or send_async_mdn=an MdnPoster")
            self._poster = MdnPoster(mdn_spool, on_failure=lambda url, msg: on_event(
                "mdn-post-failed", None, msg))
            send_async_mdn = self._poster
        self.app = As2App(lookup=lookup, accept=accept, is_duplicate=is_duplicate,
                          on_receipt=on_receipt, on_event=on_event,
                          send_async_mdn=send_async_mdn, max_body=max_body, env=env,
                          basic_auth=basic_auth)
        self._server = wsgi.Server((host, port), wsgi.PathInfoDispatcher({path: self.app}),
                                   numthreads=numthreads, max=-1, request_queue_size=64,
                                   timeout=30)
        self._server.gateway = _Gateway
        self._server.max_request_body_size = 0  # As2App enforces max_body and records it
        self._tls = tls_cert is not None
        if tls_cert is not None:
            from cheroot.ssl.builtin import BuiltinSSLAdapter
            self._server.ssl_adapter = BuiltinSSLAdapter(tls_cert, tls_key)
        self._thread: Optional[threading.Thread] = None
        self._path = path

    @property
    def url(self) -> str:
        host, port = self._server.bind_addr[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}{self._path}"

    def start(self) -> None:
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve, name="as2-server",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.stop()
        if self._thread is not None:
            self._thread.join(10)
        if self._poster is not None:
            self._poster.close()
