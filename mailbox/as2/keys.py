"""Loading certificates and our private key for an AS2 profile (secrets via env:/file:)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_private_key, load_pem_private_key

from edi_mailbox.as2 import certs as _certs
from edi_mailbox.as2.receive import Party
from gateway.errors import PermanentError
from gateway.profiles.model import As2Transport, Profile
from gateway.profiles.secrets import SecretError, resolve


def load_certificate(path: Path) -> x509.Certificate:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PermanentError(f"certificate {path}: {exc.strerror}") from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise PermanentError(f"certificate {path} is not a PEM or DER certificate: {exc}") from None


def load_key(data: bytes, passphrase: Optional[bytes], what: str) -> rsa.RSAPrivateKey:
    try:
        key = (load_pem_private_key(data, passphrase) if b"-----BEGIN" in data
               else load_der_private_key(data, passphrase))
    except (ValueError, TypeError) as exc:  # never echo key material
        raise PermanentError(f"{what}: not a readable private key ({type(exc).__name__}; "
                             "wrong passphrase or format?)") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PermanentError(f"{what}: AS2 needs an RSA private key")
    return key


def as2_settings(profile: Profile) -> As2Transport:
    settings = profile.transport.settings
    if not isinstance(settings, As2Transport) or profile.identities.as2 is None:
        raise PermanentError(f"profile {profile.name} does not use AS2")
    return settings


def party_from_profile(profile: Profile, env: Mapping[str, str],
                       base_dir: Optional[Path] = None) -> Party:
    settings = as2_settings(profile)
    base = base_dir or profile.source.parent
    try:
        key_bytes = resolve(settings.our_key, env, base)
        passphrase = (resolve(settings.our_key_passphrase, env, base)
                      if settings.our_key_passphrase else None)
    except SecretError as exc:
        raise PermanentError(f"profile {profile.name}: {exc}") from None
    ids = profile.identities.as2
    assert ids is not None
    return Party(name=profile.name, partner_id=ids.partner, our_id=ids.ours,
                 partner_certificates=tuple(load_certificate(p)
                                            for p in settings.partner_certificates),
                 our_certificate=load_certificate(settings.our_certificate),
                 our_key=load_key(key_bytes, passphrase, f"profile {profile.name} our_key "
                                  f"({settings.our_key})"),
                 require_signed=settings.require_signed,
                 require_encrypted=settings.require_encrypted)


@dataclass(frozen=True)
class CertificateReport:
    """Certificates of AS2 profiles that need attention (``edi-gateway status``)."""

    certificates: tuple[_certs.CertificateStatus, ...]  # expired, not yet valid, expiring
    problems: tuple[str, ...]  # certificate files that cannot be read


def certificate_report(profiles: Iterable[Profile], within_days: int = 30,
                       at: Optional[_dt.datetime] = None, *,
                       include_valid: bool = False) -> CertificateReport:
    """Every AS2 profile's partner certificates and our own, read from disk: those expired,
    not yet valid or expiring within ``within_days`` days (all with ``include_valid``).
    An unreadable file is reported in ``problems`` and does not hide the others."""
    entries: list[tuple[str, str, Optional[Path], x509.Certificate]] = []
    problems: list[str] = []
    for profile in profiles:
        settings = profile.transport.settings
        if not isinstance(settings, As2Transport):
            continue
        files = [("partner", p) for p in settings.partner_certificates]
        files.append(("ours", settings.our_certificate))
        for role, path in files:
            try:
                entries.append((profile.name, role, path, load_certificate(path)))
            except PermanentError as exc:
                problems.append(f"partner {profile.name}: {role} {exc}")
    return CertificateReport(tuple(_certs.expiring(entries, within_days, at,
                                                   include_valid=include_valid)),
                             tuple(problems))
