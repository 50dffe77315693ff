"""Sending over AS2: the Mailbox implementation for one AS2 partner."""
from __future__ import annotations

import base64
import datetime as _dt
import http.client
import ssl
import threading
import urllib.parse
from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping, Optional

from edi_mailbox.as2 import certs as _certs, mdn as _mdn, mic as _mic, tracking as _tracking
from edi_mailbox.as2.errors import AUTHENTICATION_FAILED, INTEGRITY_CHECK_FAILED, As2Error
from edi_mailbox.as2.keys import as2_settings, party_from_profile
from edi_mailbox.as2.message import Security, build
from edi_mailbox.base import Accept, PollReport, Receipt, SendResult
from gateway.errors import PermanentError, SecurityError, TransientError
from gateway.profiles.model import Profile
from gateway.profiles.secrets import SecretError, resolve

_TYPES = {"x12": "application/edi-x12", "edifact": "application/edifact"}


def match_receipt(receipt: Receipt, message_id: str, expected_mic: str) -> Receipt:
    """An MDN checked against the message we sent: Original-Message-ID and MIC."""
    if _tracking.message_key(receipt.message_id) != _tracking.message_key(message_id):
        raise PermanentError(f"MDN answers {receipt.message_id}, not {message_id}")
    return replace(receipt, mic_matches=_mic.matches(receipt.mic, expected_mic))


class MdnOverdue(TransientError):
    """No MDN arrived within the profile's mdn.wait: the message may be resent."""


class As2Mailbox:
    def __init__(self, profile: Profile, *, env: Mapping[str, str],
                 base_dir: Optional[Path] = None, timeout: float = 120.0,
                 ssl_context: Optional[ssl.SSLContext] = None,
                 clock: Callable[[], _dt.datetime] = _certs.utcnow) -> None:
        self.partner = profile.name
        self._clock = clock
        self._profile = profile
        self._settings = as2_settings(profile)
        self._party = party_from_profile(profile, env, base_dir)
        self._timeout = (self._settings.mdn.wait.total_seconds()
                         if self._settings.mdn.mode == "sync" and self._settings.mdn.wait
                         else timeout)
        self._ssl = ssl_context or ssl.create_default_context()
        self._auth = None
        if self._settings.http_user:
            try:
                pw = resolve(self._settings.http_password, env, base_dir or
                             profile.source.parent).decode() if self._settings.http_password else ""
            except SecretError as exc:
                raise PermanentError(f"profile {profile.name}: {exc}") from None
            token = base64.b64encode(f"{self._settings.http_user}:{pw}".encode()).decode()
            self._auth = f"Basic {token}"
        self._pending: dict[str, _tracking.SentMessage] = {}
        self._lock = threading.Lock()

    def poll(self, accept: Accept) -> PollReport:
        return PollReport(self.partner)  # AS2 pushes: the server receives

    def close(self) -> None:
        pass

    def send(self, name: str, data: bytes, meta: Mapping[str, str] | None = None) -> SendResult:
        meta = meta or {}
        s = self._settings
        now = self._clock()
        try:
            recipients: tuple = ()
            if s.encryption != "none":
                recipients = _certs.usable(self.partner, self._party.partner_certificates, now,
                                           purpose="encrypt to")
            if s.signing != "none":
                ours = _certs.why_unusable(self._party.our_certificate, now)
                if ours is not None:
                    raise As2Error(f"our signing {ours}; the partner would refuse the message: "
                                   "renew our certificate, send it to the partner and set "
                                   "transport.as2.our_certificate/our_key")
            msg = build(data, filename=name,
                        content_type=meta.get("content_type", _TYPES.get(self._profile.standard,
                                                                         "application/octet-stream")),
                        as2_from=self._party.our_id, as2_to=self._party.partner_id,
                        security=Security(s.signing, s.encryption, s.key_transport, s.compression),
                        sign_key=self._party.our_key, sign_cert=self._party.our_certificate,
                        recipients=recipients,
                        mdn_signed=s.mdn.signed,
                        mdn_async_url=s.mdn.async_url if s.mdn.mode == "async" else None,
                        notify=self._party.our_id)
        except As2Error as exc:
            raise PermanentError(f"AS2 to {self.partner}: cannot build {name}: {exc}") from None
        status, ctype, body = self._post(msg.headers, msg.body)
        if s.mdn.mode == "async":
            result = SendResult(msg.message_id, len(data), receipt_expected=True, mic=msg.mic)
            sent = self.sent_record(result, now)
            with self._lock:
                self._pending[sent.key] = sent
            return result
        receipt = self.read_mdn(ctype, body, msg.message_id, msg.mic)
        return SendResult(msg.message_id, len(data), receipt=receipt, mic=msg.mic)

    def read_mdn(self, content_type: str, body: bytes, message_id: str, mic: str) -> Receipt:
        """Verify a (sync) MDN: signature by the partner, Original-Message-ID, MIC, disposition."""
        try:
            receipt = _mdn.parse(content_type, body, self._party.partner_certificates,
                                 require_signed=self._settings.mdn.signed, at=self._clock(),
                                 partner=self.partner)
        except As2Error as exc:
            if exc.disposition in (AUTHENTICATION_FAILED, INTEGRITY_CHECK_FAILED):
                raise SecurityError(f"AS2 MDN from {self.partner} for {message_id}: {exc}",
                                    partner=self.partner, channel=f"as2:{self._party.partner_id}",
                                    kind=exc.kind) from None
            raise PermanentError(f"AS2 MDN from {self.partner} for {message_id} cannot be "
                                 f"read: {exc}") from None
        receipt = match_receipt(receipt, message_id, mic)
        if not receipt.ok:
            raise PermanentError(f"AS2 partner {self.partner} refused {message_id}: "
                                 f"{receipt.disposition}")
        if not receipt.mic_matches:
            raise PermanentError(f"AS2 MDN from {self.partner} for {message_id}: MIC "
                                 f"{receipt.mic!r} differs from ours {mic!r}")
        return receipt

    def match(self, receipt: Receipt) -> Receipt:
        """An async MDN (from the server's on_receipt) matched to a message sent here.

        PermanentError when it answers no pending message of this partner; otherwise the
        receipt with ``mic_matches`` set (``ok`` False for a negative MDN).  For state the
        engine persists, use ``edi_mailbox.as2.tracking`` with ``SendResult``'s fields."""
        with self._lock:
            outcome = _tracking.match(receipt, self._pending)
            if not isinstance(outcome, _tracking.MdnUnmatched):
                del self._pending[outcome.sent.key]
        if isinstance(outcome, _tracking.MdnUnmatched):
            raise PermanentError(outcome.reason)
        return outcome.receipt

    def sent_record(self, result: SendResult, now: Optional[_dt.datetime] = None
                    ) -> _tracking.SentMessage:
        """What the engine stores to wait for ``result``'s async MDN."""
        return _tracking.SentMessage(self.partner, result.transport_id, result.mic or "",
                                     now or self._clock(), self._settings.mdn.wait)

    def overdue(self, now: Optional[_dt.datetime] = None) -> list[MdnOverdue]:
        """Async messages whose MDN did not arrive within mdn.wait (removed from pending)."""
        with self._lock:
            notices = _tracking.overdue(self._pending.values(), now or self._clock())
            for notice in notices:
                self._pending.pop(notice.sent.key, None)
        return [MdnOverdue(str(n)) for n in notices]

    def _post(self, headers: tuple[tuple[str, str], ...], body: bytes) -> tuple[int, str, bytes]:
        url = urllib.parse.urlsplit(self._settings.url)
        if url.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                url.hostname or "", url.port or 443, timeout=self._timeout, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(url.hostname or "", url.port or 80,
                                              timeout=self._timeout)
        hdrs = dict(headers)
        hdrs["Content-Length"] = str(len(body))
        if self._auth:
            hdrs["Authorization"] = self._auth
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        try:
            conn.request("POST", path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        except ssl.SSLCertVerificationError as exc:
            raise SecurityError(f"AS2 to {self.partner}: TLS certificate of {url.hostname} "
                                f"does not verify: {exc.verify_message}", partner=self.partner,
                                kind="tls") from None
        except (OSError, http.client.HTTPException) as exc:
            raise TransientError(f"AS2 to {self.partner} ({self._settings.url}): "
                                 f"{type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        if resp.status >= 500 or resp.status in (408, 429):
            raise TransientError(f"AS2 to {self.partner}: HTTP {resp.status} {resp.reason}")
        if resp.status >= 300:
            raise PermanentError(f"AS2 to {self.partner}: HTTP {resp.status} {resp.reason}: "
                                 f"{data[:200]!r}")
        return resp.status, resp.getheader("Content-Type", ""), data
