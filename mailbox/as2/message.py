"""Building an outbound AS2 message (RFC 4130): payload entity, compression, signature,
encryption, headers, and the MIC the partner's MDN must echo.  Pure."""
from __future__ import annotations

import email.utils
from dataclasses import dataclass
from typing import Optional, Sequence

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from edi_mailbox.as2 import cms, mdn, mic as _mic, mime
from edi_mailbox.as2.errors import As2Error

COMPRESSED_TYPE = 'application/pkcs7-mime; smime-type=compressed-data; name="smime.p7z"'
ENVELOPED_TYPE = 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"'


@dataclass(frozen=True)
class Security:
    signing: str = "sha256"  # or "none"
    encryption: str = "aes256-cbc"  # or "none"
    key_transport: str = "rsa-pkcs1v15"
    compression: str = "none"  # none | before-signing | after-signing


@dataclass(frozen=True)
class OutboundMessage:
    message_id: str
    headers: tuple[tuple[str, str], ...]  # HTTP headers, Content-Type included
    body: bytes
    mic: str  # what the MDN's Received-content-MIC must equal


def _compressed(entity: bytes) -> bytes:
    return mime.build_entity([("Content-Type", COMPRESSED_TYPE),
                              ("Content-Transfer-Encoding", "binary")], cms.compress(entity))


def build(payload: bytes, *, filename: str, content_type: str, as2_from: str, as2_to: str,
          security: Security, sign_key: Optional[rsa.RSAPrivateKey],
          sign_cert: Optional[x509.Certificate], recipients: Sequence[x509.Certificate],
          mdn_signed: bool = True, mdn_async_url: Optional[str] = None,
          notify: str = "edi-gateway", message_id: Optional[str] = None,
          subject: Optional[str] = None) -> OutboundMessage:
    mime.safe_filename(filename)
    message_id = message_id or mdn.new_message_id()
    entity = mime.build_entity([("Content-Type", content_type),
                                ("Content-Transfer-Encoding", "binary"),
                                ("Content-Disposition",
                                 f"attachment; filename={mime.quote(filename)}")], payload)
    signing = security.signing != "none"
    mic_alg = security.signing if signing else "sha256"
    wrapped = security.encryption != "none" or security.compression != "none"
    mic = _mic.compute(entity if wrapped or signing else payload, mic_alg)
    if security.compression == "before-signing" or (security.compression != "none"
                                                    and not signing):
        entity = _compressed(entity)
    if signing:
        if sign_key is None or sign_cert is None:
            raise As2Error("signing needs our key and certificate")
        mic = _mic.compute(entity, mic_alg)
        ctype, body = mdn.signed_multipart(entity, sign_key, sign_cert, mic_alg)
        entity = mime.build_entity([("Content-Type", ctype)], body)
        if security.compression == "after-signing":
            entity = _compressed(entity)
    if security.encryption != "none":
        if not recipients:
            raise As2Error("encryption needs the partner's certificate")
        top_type = ENVELOPED_TYPE
        body = cms.encrypt(entity, recipients, security.encryption, security.key_transport)
    else:
        parsed = mime.parse_entity(entity)
        top_type = parsed.get("Content-Type") or content_type
        body = parsed.body
    headers = [("AS2-Version", "1.2"), ("AS2-From", as2_from), ("AS2-To", as2_to),
               ("Message-ID", message_id), ("Date", email.utils.formatdate(usegmt=True)),
               ("Subject", subject or f"AS2 message {filename}"), ("MIME-Version", "1.0"),
               ("Content-Type", top_type)]
    if security.encryption == "none" and not signing and security.compression == "none":
        headers.append(("Content-Disposition", f"attachment; filename={mime.quote(filename)}"))
    headers += mdn.request_headers(mdn_signed, mic_alg, mdn_async_url, notify)
    return OutboundMessage(message_id, tuple(headers), body, mic)
