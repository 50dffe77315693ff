"""MDNs (RFC 3798 / RFC 4130 7): request options, building (signed or not) and parsing."""
from __future__ import annotations

import datetime as _dt
import email.utils
import socket
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from edi_mailbox.as2 import cms, mime
from edi_mailbox.as2.algorithms import digest_name, is_digest, micalg
from edi_mailbox.as2.errors import As2Error, AUTHENTICATION_FAILED
from edi_mailbox.base import Receipt

PROCESSED = "automatic-action/MDN-sent-automatically; processed"
REPORTING_UA = "edi-gateway AS2"


def disposition(error: Optional[str] = None, warning: Optional[str] = None) -> str:
    if error:
        return f"{PROCESSED}/error: {error}"
    if warning:
        return f"{PROCESSED}/warning: {warning}"
    return PROCESSED


def disposition_ok(text: str) -> bool:
    _, _, tail = text.partition(";")
    tail = tail.strip().lower()
    return tail.startswith("processed") and "/error" not in tail and "/failure" not in tail


@dataclass(frozen=True)
class MdnRequest:
    requested: bool  # Disposition-Notification-To present
    signed: bool
    micalgs: tuple[str, ...]  # canonical digest names, in the sender's order
    async_url: Optional[str]

    def micalg(self, fallback: str = "sha256") -> str:
        return self.micalgs[0] if self.micalgs else fallback


def parse_request(headers: Mapping[str, str]) -> MdnRequest:
    """From a message's headers (keys lowercased)."""
    options = headers.get("disposition-notification-options", "")
    signed, algs = False, []
    for item in options.split(";"):
        name, _, value = item.partition("=")
        values = [v.strip() for v in value.split(",")][1:]
        if name.strip().lower() == "signed-receipt-protocol":
            signed = any(v.lower() == "pkcs7-signature" for v in values)
        elif name.strip().lower() == "signed-receipt-micalg":
            algs = [digest_name(v) for v in values if is_digest(v)]
    url = headers.get("receipt-delivery-option", "").strip() or None
    return MdnRequest("disposition-notification-to" in headers, signed, tuple(algs), url)


def request_headers(signed: bool, algorithm: str, async_url: Optional[str],
                    notify: str) -> list[tuple[str, str]]:
    out = [("Disposition-Notification-To", notify)]
    if signed:
        out.append(("Disposition-Notification-Options",
                    "signed-receipt-protocol=optional, pkcs7-signature; "
                    f"signed-receipt-micalg=optional, {micalg(algorithm)}"))
    if async_url:
        out.append(("Receipt-Delivery-Option", async_url))
    return out


@dataclass(frozen=True)
class OutgoingMdn:
    message_id: str
    headers: tuple[tuple[str, str], ...]  # HTTP headers
    body: bytes
    async_url: Optional[str] = None


def new_message_id(domain: Optional[str] = None) -> str:
    return email.utils.make_msgid(domain=domain or socket.getfqdn() or "localhost")


def build(*, original_message_id: str, sender: str, recipient: str, disposition_text: str,
          mic: Optional[str], text: str, sign_key: Optional[rsa.RSAPrivateKey] = None,
          sign_cert: Optional[x509.Certificate] = None, digest: str = "sha256",
          async_url: Optional[str] = None) -> OutgoingMdn:
    """An MDN from ``sender`` (us) to ``recipient``; signed when a key is given."""
    fields = [("Reporting-UA", REPORTING_UA), ("Original-Recipient", f"rfc822; {sender}"),
              ("Final-Recipient", f"rfc822; {sender}"),
              ("Original-Message-ID", original_message_id)]
    if mic:
        fields.append(("Received-content-MIC", mic))
    fields.append(("Disposition", disposition_text))
    notification = mime.build_headers(fields)[:-2]
    human = (text.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n").encode("utf-8")
    parts = [mime.build_entity([("Content-Type", "text/plain; charset=utf-8"),
                                ("Content-Transfer-Encoding", "8bit")], human),
             mime.build_entity([("Content-Type", "message/disposition-notification"),
                                ("Content-Transfer-Encoding", "7bit")], notification)]
    boundary = mime.new_boundary(*parts)
    report_ct = f"multipart/report; report-type=disposition-notification; boundary={mime.quote(boundary)}"
    report_body = mime.build_multipart(parts, boundary)
    if sign_key is not None and sign_cert is not None:
        entity = mime.build_entity([("Content-Type", report_ct)], report_body)
        content_type, body = signed_multipart(entity, sign_key, sign_cert, digest)
    else:
        content_type, body = report_ct, report_body
    message_id = new_message_id()
    headers = (("AS2-Version", "1.2"), ("AS2-From", sender), ("AS2-To", recipient),
               ("Message-ID", message_id), ("Date", email.utils.formatdate(usegmt=True)),
               ("Subject", "Message Disposition Notification"), ("MIME-Version", "1.0"),
               ("Content-Type", content_type))
    return OutgoingMdn(message_id, headers, body, async_url)


def signed_multipart(entity: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate,
                     digest: str) -> tuple[str, bytes]:
    """(Content-Type, body) of a multipart/signed over ``entity`` (exact bytes)."""
    signature = cms.sign(entity, key, cert, digest)
    sig_part = mime.build_entity([
        ("Content-Type", 'application/pkcs7-signature; name="smime.p7s"'),
        ("Content-Transfer-Encoding", "base64"),
        ("Content-Disposition", 'attachment; filename="smime.p7s"')], mime.base64_lines(signature))
    boundary = mime.new_boundary(entity)
    content_type = (f"multipart/signed; protocol=\"application/pkcs7-signature\"; "
                    f"micalg={micalg(digest)}; boundary={mime.quote(boundary)}")
    return content_type, mime.build_multipart([entity, sig_part], boundary)


SIGNATURE_TYPES = ("application/pkcs7-signature", "application/x-pkcs7-signature")


def split_signed(entity: mime.Entity) -> tuple[bytes, bytes]:
    """(signed content entity bytes, signature DER) of a multipart/signed entity."""
    _, params = entity.content_type
    parts = mime.split_multipart(entity.body, params.get("boundary", ""))
    if len(parts) != 2:
        raise As2Error(f"multipart/signed has {len(parts)} parts, expected 2",
                       AUTHENTICATION_FAILED)
    sig = mime.parse_entity(parts[1])
    if sig.content_type[0] not in SIGNATURE_TYPES:
        raise As2Error(f"signature part is {sig.content_type[0]}, not application/pkcs7-signature",
                       AUTHENTICATION_FAILED)
    return parts[0], sig.decoded_body()


def verify_signed(entity: mime.Entity, trusted: Sequence[x509.Certificate], *,
                  at: Optional[_dt.datetime] = None,
                  partner: str = "the partner") -> tuple[bytes, str]:
    """(content entity bytes, digest name); tries the exact bytes, then canonical CRLF.

    With ``at``, the signer's certificate must be valid at that moment."""
    content, signature = split_signed(entity)
    try:
        return content, cms.verify(signature, content, trusted, at=at, partner=partner)
    except As2Error as first:
        canonical = content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if canonical == content or first.kind.startswith("certificate-"):
            raise
        try:
            return content, cms.verify(signature, canonical, trusted, at=at, partner=partner)
        except As2Error:
            raise first from None


def parse_report(entity: mime.Entity, *, signed: bool, raw: bytes) -> Receipt:
    """A Receipt from a multipart/report (disposition-notification) entity."""
    ctype, params = entity.content_type
    if ctype != "multipart/report":
        raise As2Error(f"MDN is {ctype}, not multipart/report")
    notification = None
    for part in mime.split_multipart(entity.body, params.get("boundary", "")):
        sub = mime.parse_entity(part)
        if sub.content_type[0] == "message/disposition-notification":
            notification = sub.decoded_body()
            break
    if notification is None:
        raise As2Error("MDN has no message/disposition-notification part")
    fields = {k.lower(): v for k, v in mime.parse_headers(notification)}
    if "original-message-id" not in fields or "disposition" not in fields:
        raise As2Error("MDN lacks Original-Message-ID or Disposition")
    disp = fields["disposition"]
    return Receipt(message_id=fields["original-message-id"], disposition=disp,
                   ok=disposition_ok(disp), mic=fields.get("received-content-mic"),
                   signed=signed, raw=raw)


def is_report(entity: mime.Entity) -> bool:
    ctype, params = entity.content_type
    return ctype == "multipart/report" and params.get("report-type", "").lower() == \
        "disposition-notification"


def parse(content_type: str, body: bytes, trusted: Sequence[x509.Certificate],
          *, require_signed: bool = False, at: Optional[_dt.datetime] = None,
          partner: str = "the partner") -> Receipt:
    """Read an MDN from HTTP Content-Type + body, verifying a signature with ``trusted``
    (with ``at``: by a certificate valid at that moment)."""
    entity = mime.entity_from_parts([("Content-Type", content_type)], body)
    ctype = entity.content_type[0]
    if ctype == "multipart/signed":
        content, _ = verify_signed(entity, trusted, at=at, partner=partner)
        return parse_report(mime.parse_entity(content), signed=True, raw=body)
    if require_signed:
        raise As2Error("the MDN is not signed but a signed MDN was requested",
                       AUTHENTICATION_FAILED)
    return parse_report(entity, signed=False, raw=body)
