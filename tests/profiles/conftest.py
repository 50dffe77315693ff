"""Fixtures for the partner profile tests (helpers live in profile_samples.py)."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Callable, Optional

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_samples import AS2, key_pem, make_cert  # noqa: E402


@pytest.fixture(scope="session")
def rsa_keys() -> list[rsa.RSAPrivateKey]:
    """A few RSA keys, generated once (key generation is the slow part)."""
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]


@pytest.fixture
def as2_dir(tmp_path: Path, rsa_keys) -> Path:
    """A folder holding AS2 (nord.yaml) with valid certificates and our key."""
    (tmp_path / "certs").mkdir()
    (tmp_path / "keys").mkdir()
    start, end = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2028, 1, 1,
                                                                              tzinfo=dt.timezone.utc)
    partner, _ = make_cert("NORD-AS2", start, end, rsa_keys[0])
    ours, our_key = make_cert("OURCO-AS2", start, end, rsa_keys[1])
    (tmp_path / "certs" / "nord.pem").write_bytes(partner)
    (tmp_path / "certs" / "ours.pem").write_bytes(ours)
    (tmp_path / "keys" / "ours.key").write_bytes(key_pem(our_key))
    (tmp_path / "nord.yaml").write_text(AS2)
    return tmp_path


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def _write(text: str, name: str = "acme.yaml", folder: Optional[Path] = None) -> Path:
        path = (folder or tmp_path) / name
        path.write_text(text, encoding="utf-8")
        return path
    return _write
