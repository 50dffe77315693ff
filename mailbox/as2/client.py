"""Sending over AS2: the Mailbox implementation for one AS2 partner."""
from __future__ import annotations

import base64
import datetime as _dt
import http.client
import ssl
import threading
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Optional

from edi_mailbox.as2 import mdn as _mdn, mic as _mic
from edi_mailbox.as2.errors import As2Error
from edi_mailbox.as2.keys import as2_settings, party_from_profile
from edi_mailbox.as2.message import Security, build
from edi_mailbox.base import Accept, PollReport, Receipt, SendResult
from gateway.errors import PermanentError, SecurityError, TransientError
from gateway.profiles.model import Profile
from gateway.profiles.secrets import SecretError, resolve

_TYPES = {"x12": "application/edi-x12", "edifact": "application/edifact"}


@dataclass(frozen=True)
class Sent:
    message_id: str
    mic: str
    sent_at: _dt.datetime
    wait: Optional[_dt.timedelta]


def match_receipt(receipt: Receipt, message_id: str, expected_mic: str) -> Receipt:
    """An async MDN checked against the message we sent: Original-Message-ID and MIC."""
    if receipt.message_id.strip() != message_id.strip():
        raise PermanentError(f"MDN answers {receipt.message_id}, not {message_id}")
    return replace(receipt, mic_matches=_mic.matches(receipt.mic, expected_mic))


class MdnOverdue(TransientError):
    """No MDN arrived within the profile's mdn.wait: the message may be resent."""


class As2Mailbox:
    def __init__(self, profile: Profile, *, env: Mapping[str, str],
                 base_dir: Optional[Path] = None, timeout: float = 120.0,
                 ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.partner = profile.name
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
        self._pending: dict[str, Sent] = {}
        self._lock = threading.Lock()

    def poll(self, accept: Accept) -> PollReport:
        return PollReport(self.partner)  # AS2 pushes: the server receives

    def close(self) -> None:
        pass

    def send(self, name: str, data: bytes, meta: Mapping[str, str] | None = None) -> SendResult:
        meta = meta or {}
        s = self._settings
        try:
            msg = build(data, filename=name,
                        content_type=meta.get("content_type", _TYPES.get(self._profile.standard,
                                                                         "application/octet-stream")),
                        as2_from=self._party.our_id, as2_to=self._party.partner_id,
                        security=Security(s.signing, s.encryption, s.key_transport, s.compression),
                        sign_key=self._party.our_key, sign_cert=self._party.our_certificate,
                        recipients=self._party.partner_certificates,
                        mdn_signed=s.mdn.signed,
                        mdn_async_url=s.mdn.async_url if s.mdn.mode == "async" else None,
                        notify=self._party.our_id)
        except As2Error as exc:
            raise PermanentError(f"AS2 to {self.partner}: cannot build {name}: {exc}") from None
        status, ctype, body = self._post(msg.headers, msg.body)
        if s.mdn.mode == "async":
            with self._lock:
                self._pending[msg.message_id] = Sent(msg.message_id, msg.mic,
                                                     _dt.datetime.now(_dt.timezone.utc), s.mdn.wait)
            return SendResult(msg.message_id, len(data), receipt_expected=True, mic=msg.mic)
        receipt = self.read_mdn(ctype, body, msg.message_id, msg.mic)
        return SendResult(msg.message_id, len(data), receipt=receipt, mic=msg.mic)

    def read_mdn(self, content_type: str, body: bytes, message_id: str, mic: str) -> Receipt:
        """Verify a (sync) MDN: signature by the partner, Original-Message-ID, MIC, disposition."""
        try:
            receipt = _mdn.parse(content_type, body, self._party.partner_certificates,
                                 require_signed=self._settings.mdn.signed)
        except As2Error as exc:
            if exc.disposition in ("authentication-failed", "integrity-check-failed"):
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
        """An async MDN (from the server's on_receipt) matched to a message sent here."""
        with self._lock:
            sent = self._pending.pop(receipt.message_id.strip(), None)
        if sent is None:
            raise PermanentError(f"MDN for unknown message {receipt.message_id}")
        return match_receipt(receipt, sent.message_id, sent.mic)

    def overdue(self, now: Optional[_dt.datetime] = None) -> list[MdnOverdue]:
        """Async messages whose MDN did not arrive within mdn.wait (removed from pending)."""
        now = now or _dt.datetime.now(_dt.timezone.utc)
        out = []
        with self._lock:
            for mid, sent in list(self._pending.items()):
                if sent.wait is not None and now - sent.sent_at > sent.wait:
                    del self._pending[mid]
                    out.append(MdnOverdue(f"AS2 to {self.partner}: no MDN for {mid} within "
                                          f"{sent.wait}; resend the message"))
        return out

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
