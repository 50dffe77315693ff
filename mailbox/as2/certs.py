"""Certificate validity for AS2: which partner certificates may be used now.  Pure.

A partner certificate outside its validity period (expired, or not yet valid) is never used
to encrypt to the partner and never accepted as the signer of a message or an MDN.  During
a rollover the profile lists two certificates; ``usable`` keeps the ones valid at the moment
(usually exactly one; both while their periods overlap).

``expiring`` reports certificates that expire within N days, for a status command.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from cryptography import x509

from edi_mailbox.as2.errors import As2Error, AUTHENTICATION_FAILED, INSUFFICIENT_SECURITY

VALID, EXPIRING, EXPIRED, NOT_YET_VALID = "valid", "expiring", "expired", "not-yet-valid"


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def describe(cert: x509.Certificate) -> str:
    """``subject CN=X, serial 1a2b, valid 2026-01-01 to 2027-01-01`` (UTC dates)."""
    return (f"subject {cert.subject.rfc4514_string() or '(empty)'}, serial {cert.serial_number:x}, "
            f"valid {cert.not_valid_before_utc:%Y-%m-%d %H:%M} to "
            f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")


def state(cert: x509.Certificate, at: _dt.datetime) -> str:
    """VALID, EXPIRED or NOT_YET_VALID at ``at`` (an aware datetime)."""
    if at < cert.not_valid_before_utc:
        return NOT_YET_VALID
    if at > cert.not_valid_after_utc:
        return EXPIRED
    return VALID


def is_valid(cert: x509.Certificate, at: _dt.datetime) -> bool:
    return state(cert, at) == VALID


def why_unusable(cert: x509.Certificate, at: _dt.datetime) -> Optional[str]:
    """None when ``cert`` is valid at ``at``; otherwise the reason, with subject/serial/dates."""
    st = state(cert, at)
    if st == EXPIRED:
        return f"certificate {describe(cert)} expired on {cert.not_valid_after_utc:%Y-%m-%d}"
    if st == NOT_YET_VALID:
        return (f"certificate {describe(cert)} is not valid before "
                f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
    return None


def usable(partner: str, certs: Sequence[x509.Certificate], at: _dt.datetime, *,
           purpose: str, disposition: str = INSUFFICIENT_SECURITY) -> tuple[x509.Certificate, ...]:
    """The certificates of ``certs`` valid at ``at``; As2Error naming each one when none is.

    ``purpose`` is said in the error ("encrypt to", "verify the signature of")."""
    valid = tuple(c for c in certs if is_valid(c, at))
    if valid:
        return valid
    if not certs:
        raise As2Error(f"partner {partner}: no certificate to {purpose}", disposition,
                       kind="certificate-missing")
    reasons = "; ".join(why_unusable(c, at) or "" for c in certs)
    kinds = {state(c, at) for c in certs}
    kind = "certificate-expired" if kinds == {EXPIRED} else (
        "certificate-not-yet-valid" if kinds == {NOT_YET_VALID} else "certificate-invalid")
    raise As2Error(f"partner {partner}: cannot {purpose} the partner: no partner certificate "
                   f"is valid at {at:%Y-%m-%d %H:%M} UTC ({reasons}); ask the partner for its "
                   "current certificate and list it in transport.as2.partner_certificates",
                   disposition, kind=kind)


def check_signer(partner: str, cert: x509.Certificate, at: _dt.datetime) -> None:
    """As2Error(authentication-failed) when the certificate that verified a signature is not
    valid at ``at`` (RFC 4130 habit: the signer cannot be authenticated)."""
    reason = why_unusable(cert, at)
    if reason is not None:
        kind = "certificate-expired" if state(cert, at) == EXPIRED else "certificate-not-yet-valid"
        raise As2Error(f"partner {partner}: signed with {reason}; a signature by a certificate "
                       "outside its validity period is not accepted", AUTHENTICATION_FAILED,
                       kind=kind)


@dataclass(frozen=True)
class CertificateStatus:
    """One certificate of a profile, for a status report."""

    partner: str  # profile name
    role: str  # "partner" (their certificate) or "ours"
    path: Optional[Path]
    subject: str
    serial: str  # hex
    not_before: _dt.datetime
    not_after: _dt.datetime
    state: str  # VALID, EXPIRING, EXPIRED, NOT_YET_VALID
    days_left: int  # whole days until not_after (negative: expired that many days ago)

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        when = {EXPIRED: f"expired {-self.days_left} day(s) ago",
                EXPIRING: f"expires in {self.days_left} day(s)",
                NOT_YET_VALID: f"not valid before {self.not_before:%Y-%m-%d}",
                VALID: f"valid for {self.days_left} day(s)"}[self.state]
        return (f"partner {self.partner}: {self.role} certificate {self.subject}, serial "
                f"{self.serial}{where}: {when} (valid {self.not_before:%Y-%m-%d} to "
                f"{self.not_after:%Y-%m-%d})")


def status(partner: str, role: str, cert: x509.Certificate, at: _dt.datetime, within_days: int,
           path: Optional[Path] = None) -> CertificateStatus:
    st = state(cert, at)
    left = cert.not_valid_after_utc - at
    days = left.days if left >= _dt.timedelta(0) else -((-left).days)
    if st == VALID and left <= _dt.timedelta(days=within_days):
        st = EXPIRING
    return CertificateStatus(partner, role, path, cert.subject.rfc4514_string(),
                             f"{cert.serial_number:x}", cert.not_valid_before_utc,
                             cert.not_valid_after_utc, st, days)


def expiring(entries: Iterable[tuple[str, str, Optional[Path], x509.Certificate]],
             within_days: int, at: Optional[_dt.datetime] = None, *,
             include_valid: bool = False) -> list[CertificateStatus]:
    """Certificates that are expired, not yet valid, or expire within ``within_days``.

    ``entries``: (partner, role, path, certificate).  Sorted by expiry, soonest first.
    ``include_valid`` lists every certificate (a full status table)."""
    at = at or utcnow()
    out = [status(p, role, cert, at, within_days, path) for p, role, path, cert in entries]
    if not include_valid:
        out = [s for s in out if s.state != VALID]
    return sorted(out, key=lambda s: (s.not_after, s.partner, s.role))
