"""Message integrity check (RFC 4130 7.3.1): ``base64digest, sha-256``."""
from __future__ import annotations

import base64
import hmac
from typing import Optional

from cryptography.hazmat.primitives import hashes

from edi_mailbox.as2.algorithms import digest_name, hash_for, micalg
from edi_mailbox.as2.errors import As2Error


def compute(data: bytes, algorithm: str) -> str:
    h = hashes.Hash(hash_for(algorithm))
    h.update(data)
    return f"{base64.b64encode(h.finalize()).decode('ascii')}, {micalg(algorithm)}"


def parse(text: str) -> tuple[bytes, str]:
    """(digest bytes, canonical algorithm) of a Received-content-MIC value."""
    value, sep, alg = text.strip().partition(",")
    if not sep:
        raise As2Error(f"MIC {text[:80]!r} has no algorithm (expected 'digest, sha-256')")
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except ValueError:
        raise As2Error(f"MIC {text[:80]!r} is not base64") from None
    return digest, digest_name(alg)


def matches(received: Optional[str], expected: Optional[str]) -> bool:
    """True when both name the same algorithm and digest (spelling of the name may differ)."""
    if not received or not expected:
        return False
    try:
        a, b = parse(received), parse(expected)
    except As2Error:
        return False
    return a[1] == b[1] and hmac.compare_digest(a[0], b[0])
