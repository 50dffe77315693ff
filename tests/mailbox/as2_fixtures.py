"""Throwaway AS2 keys, certificates and profiles for the AS2 tests (imported, not conftest)."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import pathlib
from dataclasses import dataclass

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from gateway.profiles.model import Profile, build_profile

REPO = pathlib.Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    key_path: pathlib.Path
    cert_path: pathlib.Path


def make_identity(directory: pathlib.Path, name: str, bits: int = 2048, *,
                  not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
                  key: rsa.RSAPrivateKey | None = None) -> Identity:
    """A self-signed RSA identity; valid from yesterday for 30 days unless dates are given
    (``key`` reuses a key: a re-issued certificate)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=bits)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - dt.timedelta(days=1))
            .not_valid_after(not_after or now + dt.timedelta(days=30))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Identity(key, cert, key_path, cert_path)


def as2_profile(directory: pathlib.Path, *, name: str, partner_id: str, our_id: str,
                partner_certs: list[pathlib.Path], our: Identity, url: str,
                **as2: object) -> Profile:
    """A profile (nordwerk.yaml's shape) with the given AS2 settings."""
    data = yaml.safe_load((REPO / "partner_profiles" / "nordwerk.yaml").read_text())
    data = copy.deepcopy(data)
    data["name"] = name
    data["identities"]["as2"] = {"partner": partner_id, "ours": our_id}
    settings = {"url": url, "partner_certificates": [str(p) for p in partner_certs],
                "our_certificate": str(our.cert_path), "our_key": f"file:{our.key_path}",
                "mdn": {"mode": "sync", "signed": True}}
    settings.update(as2)
    data["transport"] = {"type": "as2", "as2": settings}
    source = directory / f"{name}.yaml"
    text = yaml.safe_dump(data)
    source.write_text(text)
    return build_profile(data, source, hashlib.sha256(text.encode()).hexdigest())
