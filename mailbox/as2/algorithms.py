"""Algorithm names as profiles, MIME headers and CMS spell them."""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

from edi_mailbox.as2.errors import As2Error, INSUFFICIENT_SECURITY

# canonical name -> (RFC 5751 micalg spelling, hash class, asn1crypto digest name)
_DIGESTS = {
    "sha1": ("sha-1", hashes.SHA1, "sha1"),
    "sha224": ("sha-224", hashes.SHA224, "sha224"),
    "sha256": ("sha-256", hashes.SHA256, "sha256"),
    "sha384": ("sha-384", hashes.SHA384, "sha384"),
    "sha512": ("sha-512", hashes.SHA512, "sha512"),
}


def digest_name(text: str) -> str:
    """``sha256`` for ``SHA-256``, ``sha_256``, ``sha256``, ``rsa-sha256``; As2Error otherwise."""
    key = text.strip().strip('"').lower().replace("-", "").replace("_", "")
    if key.startswith("rsa"):
        key = key[3:]
    if key not in _DIGESTS:
        raise As2Error(f"unsupported digest algorithm {text!r} (supported: sha1, sha224, "
                       "sha256, sha384, sha512)", INSUFFICIENT_SECURITY)
    return key


def is_digest(text: str) -> bool:
    try:
        digest_name(text)
    except As2Error:
        return False
    return True


def micalg(name: str) -> str:
    """The RFC 5751 spelling (``sha-256``) used in micalg and Received-content-MIC."""
    return _DIGESTS[digest_name(name)][0]


def hash_for(name: str) -> hashes.HashAlgorithm:
    return _DIGESTS[digest_name(name)][1]()


@dataclass(frozen=True)
class Cipher:
    name: str  # profile spelling
    oid_name: str  # asn1crypto EncryptionAlgorithmId name
    key_size: int  # bytes
    block_size: int  # bytes (= IV size)


CIPHERS = {
    "3des": Cipher("3des", "tripledes_3key", 24, 8),
    "aes128-cbc": Cipher("aes128-cbc", "aes128_cbc", 16, 16),
    "aes192-cbc": Cipher("aes192-cbc", "aes192_cbc", 24, 16),
    "aes256-cbc": Cipher("aes256-cbc", "aes256_cbc", 32, 16),
}

KEY_TRANSPORTS = ("rsa-pkcs1v15", "rsa-oaep")
COMPRESSIONS = ("none", "before-signing", "after-signing")


def cipher(name: str) -> Cipher:
    try:
        return CIPHERS[name.lower()]
    except KeyError:
        raise As2Error(f"unsupported encryption {name!r} (supported: "
                       f"{', '.join(CIPHERS)})", INSUFFICIENT_SECURITY) from None
