"""CMS (RFC 5652) SignedData, EnvelopedData and CompressedData (RFC 3274) for AS2.

Built and read with asn1crypto over cryptography's primitives, so every algorithm AS2
peers use is available: RSA PKCS#1 v1.5 and PSS signatures with SHA-1/224/256/384/512
(ECDSA verified too), 3DES and AES-128/192/256-CBC content encryption with RSA PKCS#1 v1.5
or RSAES-OAEP key transport, zlib compression.  Pure: bytes and key objects in, bytes out;
every failure is an ``As2Error`` carrying its MDN disposition.
"""
from __future__ import annotations

import datetime as _dt
import functools
import hmac
import os
import zlib
from typing import Callable, Sequence, TypeVar

from asn1crypto import algos, cms, core
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher as _Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from edi_mailbox.as2.algorithms import CIPHERS, Cipher, cipher, digest_name, hash_for
from edi_mailbox.as2.certs import check_signer
from edi_mailbox.as2.errors import (AUTHENTICATION_FAILED, DECRYPTION_FAILED,
                                    INSUFFICIENT_SECURITY, INTEGRITY_CHECK_FAILED, UNEXPECTED,
                                    As2Error)

T = TypeVar("T")
DEFAULT_MAX_DECOMPRESSED = 512 * 1024 * 1024
_SPKI = PublicFormat.SubjectPublicKeyInfo


def _guard(disposition: str, what: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Turn any parser/crypto failure into As2Error(disposition)."""
    def wrap(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def inner(*args: object, **kwargs: object) -> T:
            try:
                return func(*args, **kwargs)
            except As2Error:
                raise
            except Exception as exc:  # asn1crypto raises ValueError/TypeError/KeyError/...
                raise As2Error(f"{what}: {type(exc).__name__}: {str(exc)[:200]}",
                               disposition) from None
        return inner
    return wrap


@functools.lru_cache(maxsize=64)
def _acert_from_der(der: bytes) -> ax509.Certificate:
    return ax509.Certificate.load(der)


def _acert(cert: x509.Certificate) -> ax509.Certificate:
    return _acert_from_der(cert.public_bytes(Encoding.DER))


def _load_content_info(der: bytes, expected: str, disposition: str) -> cms.ContentInfo:
    if not der:
        raise As2Error("empty CMS structure", disposition)
    info = cms.ContentInfo.load(der)
    kind = info["content_type"].native
    if kind != expected:
        raise As2Error(f"CMS content is {kind}, expected {expected}", disposition)
    return info


def _digest(data: bytes, name: str) -> bytes:
    h = hashes.Hash(hash_for(name))
    h.update(data)
    return h.finalize()


def _sid_matches(sid: cms.SignerIdentifier | cms.RecipientIdentifier,
                 cert: ax509.Certificate) -> bool:
    if sid.name == "issuer_and_serial_number":
        ias = sid.chosen
        return (ias["serial_number"].native == cert.serial_number
                and ias["issuer"].hashable == cert.issuer.hashable)
    if sid.name == "subject_key_identifier":
        return sid.chosen.native == cert.key_identifier
    return False


def _issuer_serial(cert: ax509.Certificate) -> cms.IssuerAndSerialNumber:
    return cms.IssuerAndSerialNumber({"issuer": cert.issuer, "serial_number": cert.serial_number})


# ------------------------------------------------------------------------------ signing

def sign(content: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate, digest: str = "sha256",
         *, pss: bool = False, signing_time: _dt.datetime | None = None) -> bytes:
    """A detached SignedData (DER) over ``content``, with our certificate enclosed."""
    dn = digest_name(digest)
    h = hash_for(dn)
    acert = _acert(cert)
    when = signing_time or _dt.datetime.now(_dt.timezone.utc)
    attrs = cms.CMSAttributes(sorted([  # DER orders SET OF by encoding; verifiers re-encode
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time",
                          "values": [cms.Time({"utc_time": core.UTCTime(when)})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [_digest(content, dn)]}),
    ], key=lambda a: a.dump()))
    if pss:
        sig_alg = algos.SignedDigestAlgorithm({
            "algorithm": "rsassa_pss",
            "parameters": algos.RSASSAPSSParams({
                "hash_algorithm": {"algorithm": dn},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": dn}},
                "salt_length": h.digest_size})})
        pad: padding.AsymmetricPadding = padding.PSS(padding.MGF1(h), h.digest_size)
    else:
        sig_alg = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
        pad = padding.PKCS1v15()
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": _issuer_serial(acert)}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": dn}),
        "signed_attrs": attrs,
        "signature_algorithm": sig_alg,
        "signature": b"",
    })
    # sign exactly the bytes that travel, re-tagged as SET OF (RFC 5652 5.4)
    to_sign = b"\x31" + signer["signed_attrs"].dump()[1:]
    signer["signature"] = key.sign(to_sign, pad, h)
    signed = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": dn})],
        "encap_content_info": {"content_type": "data"},
        "certificates": [acert],
        "signer_infos": [signer],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def _candidate_keys(signer: cms.SignerInfo, trusted: Sequence[x509.Certificate],
                    enclosed: Sequence[ax509.Certificate]) -> list[x509.Certificate]:
    sid = signer["sid"]
    direct = [c for c in trusted if _sid_matches(sid, _acert(c))]
    if direct:
        return direct
    # a re-issued certificate for the same key (partner renewed without telling us)
    trusted_keys = {c.public_key().public_bytes(Encoding.DER, _SPKI): c for c in trusted}
    out = []
    for cert in enclosed:
        if _sid_matches(sid, cert):
            spki = cert.public_key.dump()
            if spki in trusted_keys:
                out.append(trusted_keys[spki])
    return out


def _verify_signature(public_key: object, signature: bytes, data: bytes,
                      sig_alg: algos.SignedDigestAlgorithm, dn: str) -> None:
    name = sig_alg["algorithm"].native
    if isinstance(public_key, rsa.RSAPublicKey):
        if name == "rsassa_pss":
            params = sig_alg["parameters"]
            h = hash_for(params["hash_algorithm"]["algorithm"].native)
            mgf_h = hash_for(params["mask_gen_algorithm"]["parameters"]["algorithm"].native)
            pad: padding.AsymmetricPadding = padding.PSS(padding.MGF1(mgf_h),
                                                         params["salt_length"].native)
        elif name in ("rsassa_pkcs1v15", "sha1_rsa", "sha224_rsa", "sha256_rsa", "sha384_rsa",
                      "sha512_rsa"):
            h, pad = hash_for(dn), padding.PKCS1v15()
        else:
            raise As2Error(f"signature algorithm {name} does not fit an RSA key",
                           AUTHENTICATION_FAILED)
        public_key.verify(signature, data, pad, h)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hash_for(dn)))
    else:
        raise As2Error("the partner certificate's key type is not supported (RSA or EC)",
                       AUTHENTICATION_FAILED)


@_guard(INTEGRITY_CHECK_FAILED, "signature cannot be read")
def verify(signature_der: bytes, content: bytes, trusted: Sequence[x509.Certificate], *,
           at: _dt.datetime | None = None, partner: str = "the partner") -> str:
    """Check a detached SignedData over ``content``; the digest name the signer used.

    Only signers whose certificate is one of ``trusted`` (the partner's, two during a
    rollover) count; with ``at``, only while that certificate is valid at ``at``.
    As2Error: authentication-failed (unknown signer, bad signature, signer certificate
    expired or not yet valid), integrity-check-failed (content digest differs).
    """
    if not trusted:
        raise As2Error("no partner certificate to verify the signature with",
                       AUTHENTICATION_FAILED)
    signed = _load_content_info(signature_der, "signed_data", INTEGRITY_CHECK_FAILED)["content"]
    enclosed = [c.chosen for c in (signed["certificates"] or []) if c.name == "certificate"]
    problems: list[str] = []
    integrity = False
    validity: As2Error | None = None
    for signer in signed["signer_infos"]:
        dn = digest_name(signer["digest_algorithm"]["algorithm"].native)
        keys = _candidate_keys(signer, trusted, enclosed)
        if not keys:
            problems.append("signed by a certificate that is not the partner's")
            continue
        attrs = signer["signed_attrs"]
        if isinstance(attrs, core.Void) or len(attrs) == 0:
            data, ok = content, True
        else:
            data = b"\x31" + attrs.dump()[1:]
            digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
            if len(digests) != 1:
                problems.append("signed attributes without exactly one message-digest")
                continue
            ok = hmac.compare_digest(digests[0], _digest(content, dn))
        for cert in keys:
            try:
                _verify_signature(cert.public_key(), signer["signature"].native, data,
                                  signer["signature_algorithm"], dn)
            except InvalidSignature:
                problems.append("the signature does not verify with the partner certificate "
                                f"(serial {cert.serial_number:x})")
                continue
            if not ok:
                integrity = True
                problems.append(f"the content's {dn} digest differs from the signed one: "
                                "the content was changed")
                continue
            if at is not None:
                try:
                    check_signer(partner, cert, at)
                except As2Error as exc:
                    validity = exc
                    continue
            return dn
    if validity is not None and not integrity:
        raise validity
    if not problems:
        problems.append("the signature has no signer")
    raise As2Error("; ".join(dict.fromkeys(problems)),
                   INTEGRITY_CHECK_FAILED if integrity else AUTHENTICATION_FAILED)


# --------------------------------------------------------------------------- encryption

def _cipher_for(spec: Cipher, key: bytes, iv: bytes) -> _Cipher:
    algo = TripleDES(key) if spec.name == "3des" else algorithms.AES(key)
    return _Cipher(algo, modes.CBC(iv))


def _oaep(params: algos.RSAESOAEPParams | None) -> padding.OAEP:
    if params is None or isinstance(params, core.Void):
        return padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
    h = hash_for(params["hash_algorithm"]["algorithm"].native)
    mgf = params["mask_gen_algorithm"]
    mgf_h = hash_for(mgf["parameters"]["algorithm"].native)
    label = params["p_source_algorithm"]["parameters"].native or None
    return padding.OAEP(padding.MGF1(mgf_h), h, label)


def encrypt(content: bytes, recipients: Sequence[x509.Certificate], encryption: str = "aes256-cbc",
            key_transport: str = "rsa-pkcs1v15", *, oaep_hash: str = "sha256") -> bytes:
    """EnvelopedData (DER) for every certificate in ``recipients`` (a rollover sends to both)."""
    spec = cipher(encryption)
    cek, iv = os.urandom(spec.key_size), os.urandom(spec.block_size)
    padder = sym_padding.PKCS7(spec.block_size * 8).padder()
    enc = _cipher_for(spec, cek, iv).encryptor()
    encrypted = enc.update(padder.update(content) + padder.finalize()) + enc.finalize()
    infos = []
    for cert in recipients:
        public = cert.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise As2Error("the partner certificate has no RSA key to encrypt to",
                           INSUFFICIENT_SECURITY)
        if key_transport == "rsa-oaep":
            dn = digest_name(oaep_hash)
            alg = cms.KeyEncryptionAlgorithm({
                "algorithm": "rsaes_oaep",
                "parameters": algos.RSAESOAEPParams({
                    "hash_algorithm": {"algorithm": dn},
                    "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": dn}},
                })})
            pad: padding.AsymmetricPadding = padding.OAEP(padding.MGF1(hash_for(dn)),
                                                          hash_for(dn), None)
        elif key_transport == "rsa-pkcs1v15":
            alg = cms.KeyEncryptionAlgorithm({"algorithm": "rsaes_pkcs1v15"})
            pad = padding.PKCS1v15()
        else:
            raise As2Error(f"unsupported key transport {key_transport!r}", INSUFFICIENT_SECURITY)
        infos.append(cms.RecipientInfo(name="ktri", value=cms.KeyTransRecipientInfo({
            "version": "v0",
            "rid": cms.RecipientIdentifier({"issuer_and_serial_number":
                                            _issuer_serial(_acert(cert))}),
            "key_encryption_algorithm": alg,
            "encrypted_key": public.encrypt(cek, pad),
        })))
    enveloped = cms.EnvelopedData({
        "version": "v0",
        "recipient_infos": infos,
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": {"algorithm": spec.oid_name,
                                             "parameters": core.OctetString(iv)},
            "encrypted_content": encrypted,
        },
    })
    return cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()


_BY_OID = {c.oid_name: c for c in CIPHERS.values()}


@_guard(DECRYPTION_FAILED, "encrypted message cannot be read")
def decrypt(der: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    """The content of an EnvelopedData addressed to ``cert``; As2Error(decryption-failed)."""
    enveloped = _load_content_info(der, "enveloped_data", DECRYPTION_FAILED)["content"]
    ours = _acert(cert)
    ktris = [ri.chosen for ri in enveloped["recipient_infos"] if ri.name == "ktri"]
    if not ktris:
        raise As2Error("the message has no RSA key-transport recipient", DECRYPTION_FAILED)
    matching = [k for k in ktris if _sid_matches(k["rid"], ours)]
    cek = None
    for ktri in matching or ktris:  # some senders write a wrong recipient id: try them all
        alg = ktri["key_encryption_algorithm"]
        name = alg["algorithm"].native
        if name == "rsaes_oaep":
            pad: padding.AsymmetricPadding = _oaep(alg["parameters"])
        elif name == "rsaes_pkcs1v15":
            pad = padding.PKCS1v15()
        else:
            continue
        try:
            cek = key.decrypt(ktri["encrypted_key"].native, pad)
            break
        except ValueError:
            continue
    if cek is None:
        raise As2Error("the message is not encrypted for our certificate (serial "
                       f"{ours.serial_number:x}) or its key transport is not supported",
                       DECRYPTION_FAILED)
    info = enveloped["encrypted_content_info"]
    alg_name = info["content_encryption_algorithm"]["algorithm"].native
    spec = _BY_OID.get(alg_name)
    if spec is None:
        raise As2Error(f"content encryption {alg_name} is not supported (3DES, AES-CBC)",
                       DECRYPTION_FAILED)
    iv = info["content_encryption_algorithm"]["parameters"].native
    data = info["encrypted_content"].native
    if data is None:
        raise As2Error("the encrypted content is missing", DECRYPTION_FAILED)
    if len(cek) != spec.key_size or not isinstance(iv, bytes) or len(iv) != spec.block_size:
        raise As2Error("content-encryption key or IV has the wrong size", DECRYPTION_FAILED)
    if len(data) % spec.block_size:
        raise As2Error("encrypted content is truncated", DECRYPTION_FAILED)
    dec = _cipher_for(spec, cek, iv).decryptor()
    plain = dec.update(data) + dec.finalize()
    unpadder = sym_padding.PKCS7(spec.block_size * 8).unpadder()
    try:
        return unpadder.update(plain) + unpadder.finalize()
    except ValueError:
        raise As2Error("decryption produced invalid padding (wrong key or damaged message)",
                       DECRYPTION_FAILED) from None


# -------------------------------------------------------------------------- compression

def compress(content: bytes) -> bytes:
    """RFC 3274 CompressedData (zlib), DER."""
    data = cms.CompressedData({
        "version": "v0",
        "compression_algorithm": {"algorithm": "zlib"},
        "encap_content_info": {"content_type": "data", "content": zlib.compress(content, 6)},
    })
    return cms.ContentInfo({"content_type": "compressed_data", "content": data}).dump()


@_guard(UNEXPECTED, "compressed message cannot be read")
def decompress(der: bytes, max_size: int = DEFAULT_MAX_DECOMPRESSED) -> bytes:
    data = _load_content_info(der, "compressed_data", UNEXPECTED)["content"]
    alg = data["compression_algorithm"]["algorithm"].native
    if alg != "zlib":
        raise As2Error(f"compression {alg} is not supported (zlib)")
    packed = data["encap_content_info"]["content"].native
    if not isinstance(packed, bytes):
        raise As2Error("compressed content is missing")
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(packed, max_size + 1)
    except zlib.error as exc:
        raise As2Error(f"compressed content is damaged: {exc}") from None
    if len(out) > max_size:
        raise As2Error(f"compressed content expands beyond {max_size} bytes")
    if not inflater.eof:
        raise As2Error("compressed content is truncated")
    return out
