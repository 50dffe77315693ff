"""Receiving an AS2 message: a sans-I/O state machine (bytes in, frozen outcomes out).

``receive(headers, body, lookup)`` checks AS2-From/AS2-To, then unwraps the layers in
the order the table ``TRANSITIONS`` allows (decrypt, decompress, verify, decompress
again, payload), checks the partner's security policy and returns one outcome:

* ``Delivered``  a payload for the engine to accept (archive) before any MDN goes out;
* ``MdnArrived`` an asynchronous MDN for a message we sent;
* ``Refused``    with the negative disposition for the MDN and the audit event kind.

``answer(outcome, ...)`` then builds the MDN to return (sync) or post (async).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from edi_mailbox.as2 import cms, mdn, mic as _mic, mime
from edi_mailbox.as2.errors import (INSUFFICIENT_SECURITY, UNEXPECTED, UNKNOWN_PARTNER, As2Error)
from edi_mailbox.base import Receipt


@dataclass(frozen=True)
class Party:
    """One AS2 partnership, with keys loaded (see edi_mailbox.as2.keys)."""

    name: str  # profile name
    partner_id: str  # their AS2 ID
    our_id: str
    partner_certificates: tuple[x509.Certificate, ...]
    our_certificate: x509.Certificate
    our_key: rsa.RSAPrivateKey = field(repr=False)
    require_signed: bool = True
    require_encrypted: bool = True


Lookup = Callable[[str, str], Optional[Party]]


@dataclass(frozen=True)
class Delivered:
    party: Party
    message_id: str
    filename: str
    payload: bytes
    content_type: str
    mic: str
    request: mdn.MdnRequest
    signed: bool
    encrypted: bool
    compressed: bool


@dataclass(frozen=True)
class MdnArrived:
    party: Party
    receipt: Receipt


@dataclass(frozen=True)
class Refused:
    disposition: str  # RFC 4130 error modifier
    kind: str  # audit event kind
    message: str
    as2_from: str
    as2_to: str
    message_id: str
    request: mdn.MdnRequest
    party: Optional[Party] = None
    mic: Optional[str] = None
    http_status: int = 200  # 400 when no MDN can answer (headers missing)


ReceiveOutcome = Union[Delivered, MdnArrived, Refused]

# state -> {step: next state}.  The only transitions a message may take.
TRANSITIONS: dict[str, dict[str, str]] = {
    "identified": {"decrypt": "decrypted", "decompress": "decompressed", "verify": "verified",
                   "payload": "done", "mdn": "done"},
    "decrypted": {"decompress": "decompressed", "verify": "verified", "payload": "done",
                  "mdn": "done"},
    "decompressed": {"verify": "verified", "payload": "done"},
    "verified": {"decompress": "decompressed-signed", "payload": "done", "mdn": "done"},
    "decompressed-signed": {"payload": "done"},
}

_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")
_EXT = {"application/edi-x12": ".x12", "application/edifact": ".edi",
        "application/edi-consent": ".edi", "application/xml": ".xml", "text/xml": ".xml"}


def _step(entity: mime.Entity) -> str:
    ctype, params = entity.content_type
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        smime = params.get("smime-type", "").lower()
        if smime == "compressed-data":
            return "decompress"
        return "decrypt"  # enveloped-data, or smime-type missing as some peers send
    if ctype == "multipart/signed":
        return "verify"
    if mdn.is_report(entity):
        return "mdn"
    return "payload"


def _default_name(message_id: str, content_type: str) -> str:
    base = _SAFE_ID.sub("_", message_id.strip("<>"))[:200] or "as2-message"
    return base + _EXT.get(content_type, ".bin")


def receive(headers: Mapping[str, str], body: bytes, lookup: Lookup, *,
            max_decompressed: int = cms.DEFAULT_MAX_DECOMPRESSED,
            now: Optional[_dt.datetime] = None) -> ReceiveOutcome:
    """Process one inbound HTTP request (header names in any case).

    ``now`` (default: the current time) is the moment partner certificates must be valid
    at: a signature by an expired or not yet valid certificate is refused
    (authentication-failed)."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    hdrs = {k.lower(): v.strip() for k, v in headers.items()}
    as2_from = hdrs.get("as2-from", "").strip('"')
    as2_to = hdrs.get("as2-to", "").strip('"')
    message_id = hdrs.get("message-id", "")
    try:
        request = mdn.parse_request(hdrs)
    except As2Error:
        request = mdn.MdnRequest(False, False, (), None)
    missing = [n for n, v in (("AS2-From", as2_from), ("AS2-To", as2_to),
                              ("Message-ID", message_id), ("Content-Type",
                                                           hdrs.get("content-type", ""))) if not v]
    if missing:
        return Refused(UNEXPECTED, "missing-headers", f"missing header(s): {', '.join(missing)}",
                       as2_from, as2_to, message_id, request, http_status=400)
    party = lookup(as2_from, as2_to)
    if party is None:
        return Refused(UNKNOWN_PARTNER, UNKNOWN_PARTNER, f"unknown trading partner: AS2-From "
                       f"{as2_from!r} to AS2-To {as2_to!r}", as2_from, as2_to, message_id,
                       request)
    state = "identified"
    signed = encrypted = compressed = False
    mic: Optional[str] = None
    mic_alg = request.micalg()
    try:
        entity = mime.entity_from_parts(
            [(k, v) for k, v in headers.items() if k.lower().startswith("content-")], body)
        while True:
            step = _step(entity)
            nxt = TRANSITIONS.get(state, {}).get(step)
            if nxt is None:
                raise As2Error(f"unexpected MIME structure: {step} after {state}")
            if step == "decrypt":
                inner = cms.decrypt(entity.decoded_body(), party.our_key, party.our_certificate)
                encrypted = True
                entity = mime.parse_entity(inner)
            elif step == "decompress":
                inner = cms.decompress(entity.decoded_body(), max_decompressed)
                compressed = True
                entity = mime.parse_entity(inner)
            elif step == "verify":
                content, used = mdn.verify_signed(entity, party.partner_certificates, at=now,
                                                  partner=party.name)
                signed = True
                alg = mic_alg if request.micalgs else used
                mic = _mic.compute(content, alg)
                entity = mime.parse_entity(content)
            elif step == "mdn":
                if party.require_signed and not signed:
                    raise As2Error("unsigned MDN refused: the profile requires signatures",
                                   INSUFFICIENT_SECURITY)
                receipt = mdn.parse_report(entity, signed=signed, raw=body)
                return MdnArrived(party, receipt)
            else:
                break
            state = nxt
        if party.require_encrypted and not encrypted:
            raise As2Error("the message is not encrypted but the profile requires encryption",
                           INSUFFICIENT_SECURITY)
        if party.require_signed and not signed:
            raise As2Error("the message is not signed but the profile requires signatures",
                           INSUFFICIENT_SECURITY)
        if mic is None:
            mic = _mic.compute(entity.raw if (encrypted or compressed) else entity.body, mic_alg)
        ctype, _ = entity.content_type
        disp = entity.get("Content-Disposition") or hdrs.get("content-disposition") or ""
        name = mime.parse_header_value(disp)[1].get("filename") if disp else None
        filename = mime.safe_filename(name) if name else _default_name(message_id, ctype)
        payload = entity.decoded_body()
    except As2Error as exc:
        return Refused(exc.disposition, exc.kind, str(exc), as2_from, as2_to, message_id,
                       request, party, mic)
    return Delivered(party, message_id, filename, payload, ctype, mic, request, signed,
                     encrypted, compressed)


def answer(outcome: Union[Delivered, Refused], *, error: Optional[str] = None,
           warning: Optional[str] = None, text: Optional[str] = None) -> Optional[mdn.OutgoingMdn]:
    """The MDN for ``outcome`` (None when the sender asked for none).

    For Delivered pass ``error`` when accepting failed, ``warning`` for a duplicate.
    Unknown partners get an unsigned MDN and never an asynchronous one (no posting to a URL
    an unknown sender chose)."""
    if isinstance(outcome, Refused):
        error = outcome.disposition
        text = text or f"The message {outcome.message_id} was refused: {outcome.message}"
    request = outcome.request
    if not request.requested or not outcome.message_id:
        return None
    party = outcome.party
    if isinstance(outcome, Refused):
        sender, recipient = outcome.as2_to, outcome.as2_from
    else:
        sender, recipient = party.our_id, party.partner_id  # type: ignore[union-attr]
    text = text or (f"The message {outcome.message_id} was received"
                    + (f" with an error: {error}" if error else
                       f" with a warning: {warning}" if warning else " and processed") + ".")
    sign = party is not None and request.signed
    return mdn.build(original_message_id=outcome.message_id, sender=sender, recipient=recipient,
                     disposition_text=mdn.disposition(error, warning), mic=outcome.mic,
                     text=text, sign_key=party.our_key if sign else None,  # type: ignore[union-attr]
                     sign_cert=party.our_certificate if sign else None,  # type: ignore[union-attr]
                     digest=request.micalg(), async_url=request.async_url if party else None)
