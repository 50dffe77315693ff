"""AS2 protocol core: CMS algorithms, MIME, MIC, MDN and the receive state machine."""
from __future__ import annotations

import pathlib
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from as2_fixtures import make_identity  # noqa: E402
from edi_mailbox.as2 import cms, mdn, mic, mime  # noqa: E402
from edi_mailbox.as2 import receive as rx  # noqa: E402
from edi_mailbox.as2.errors import As2Error  # noqa: E402
from edi_mailbox.as2.message import Security, build  # noqa: E402

PAYLOAD = b"ISA*00*          *00*          *ZZ*SENDER\nGS*PO\r\nbare\rCR\x00\xff binary~\n"


@pytest.fixture(scope="module")
def ids(tmp_path_factory):
    d = tmp_path_factory.mktemp("as2core")
    return {n: make_identity(d, n) for n in ("us", "them", "them2", "stranger")}


def party(ids, **kw):
    base = dict(name="acme", partner_id="THEM", our_id="US",
                partner_certificates=(ids["them"].cert,), our_certificate=ids["us"].cert,
                our_key=ids["us"].key)
    base.update(kw)
    return rx.Party(**base)


def send(ids, security=Security(), *, sender="them", payload=PAYLOAD, **kw):
    return build(payload, filename="po.x12", content_type="application/edi-x12",
                 as2_from="THEM", as2_to="US", security=security, sign_key=ids[sender].key,
                 sign_cert=ids[sender].cert, recipients=(ids["us"].cert,), **kw)


def deliver(ids, msg, p=None, body=None):
    p = p or party(ids)
    return rx.receive(dict(msg.headers), msg.body if body is None else body,
                      lambda f, t: p if (f, t) == ("THEM", "US") else None)


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha384", "sha512"])
def test_sign_verify_each_digest(ids, digest):
    sig = cms.sign(b"content\r\n", ids["them"].key, ids["them"].cert, digest)
    assert cms.verify(sig, b"content\r\n", [ids["them"].cert]) == digest
    with pytest.raises(As2Error) as err:
        cms.verify(sig, b"Content\r\n", [ids["them"].cert])
    assert err.value.disposition == "integrity-check-failed"


def test_verify_pss_and_rollover(ids):
    sig = cms.sign(b"abc", ids["them2"].key, ids["them2"].cert, "sha256", pss=True)
    assert cms.verify(sig, b"abc", [ids["them"].cert, ids["them2"].cert]) == "sha256"
    with pytest.raises(As2Error) as err:
        cms.verify(sig, b"abc", [ids["them"].cert])
    assert err.value.disposition == "authentication-failed"


@pytest.mark.parametrize("enc", ["3des", "aes128-cbc", "aes192-cbc", "aes256-cbc"])
@pytest.mark.parametrize("kt", ["rsa-pkcs1v15", "rsa-oaep"])
def test_encrypt_decrypt(ids, enc, kt):
    der = cms.encrypt(PAYLOAD, [ids["us"].cert], enc, kt)
    assert cms.decrypt(der, ids["us"].key, ids["us"].cert) == PAYLOAD
    with pytest.raises(As2Error) as err:
        cms.decrypt(der, ids["stranger"].key, ids["stranger"].cert)
    assert err.value.disposition == "decryption-failed"


def test_compress_roundtrip_and_bomb():
    data = b"x" * 100000
    assert cms.decompress(cms.compress(data)) == data
    with pytest.raises(As2Error, match="expands beyond"):
        cms.decompress(cms.compress(data), max_size=1000)


@pytest.mark.parametrize("security", [
    Security(), Security("sha1", "3des", "rsa-oaep", "before-signing"),
    Security("sha512", "aes128-cbc", "rsa-pkcs1v15", "after-signing"),
    Security("sha384", "none", compression="after-signing"),
    Security("none", "aes192-cbc", compression="before-signing"),
    Security("none", "none"), Security("sha256", "none")])
def test_round_trip_byte_exact_and_mic(ids, security):
    msg = send(ids, security)
    p = party(ids, require_signed=security.signing != "none",
              require_encrypted=security.encryption != "none")
    got = deliver(ids, msg, p)
    assert isinstance(got, rx.Delivered), got
    assert got.payload == PAYLOAD and got.filename == "po.x12"
    assert got.mic == msg.mic
    assert got.compressed == (security.compression != "none")
    reply = rx.answer(got)
    receipt = mdn.parse(dict(reply.headers)["Content-Type"], reply.body, [ids["us"].cert],
                        require_signed=True)
    assert receipt.ok and receipt.signed and receipt.message_id == msg.message_id
    assert mic.matches(receipt.mic, msg.mic)


def test_tampered_payload_is_integrity_failure(ids):
    msg = send(ids, Security("sha256", "none"))
    body = msg.body.replace(b"SENDER", b"SENDEX")
    got = deliver(ids, msg, party(ids, require_encrypted=False), body)
    assert isinstance(got, rx.Refused) and got.disposition == "integrity-check-failed"
    reply = rx.answer(got)
    receipt = mdn.parse(dict(reply.headers)["Content-Type"], reply.body, [ids["us"].cert])
    assert not receipt.ok and "integrity-check-failed" in receipt.disposition


@pytest.mark.parametrize("case,disposition", [
    ("wrong-signer", "authentication-failed"), ("wrong-recipient", "decryption-failed"),
    ("unsigned", "insufficient-message-security"), ("unknown", "unknown-trading-partner"),
    ("unencrypted", "insufficient-message-security")])
def test_negative_dispositions(ids, case, disposition):
    security = Security()
    sender = "stranger" if case == "wrong-signer" else "them"
    if case == "unsigned":
        security = Security("none")
    if case == "unencrypted":
        security = Security("sha256", "none")
    msg = send(ids, security, sender=sender)
    if case == "wrong-recipient":
        msg = build(PAYLOAD, filename="a", content_type="application/edi-x12", as2_from="THEM",
                    as2_to="US", security=security, sign_key=ids["them"].key,
                    sign_cert=ids["them"].cert, recipients=(ids["stranger"].cert,))
    headers = dict(msg.headers)
    if case == "unknown":
        headers["AS2-From"] = "NOBODY"
    p = party(ids)
    got = rx.receive(headers, msg.body, lambda f, t: p if f == "THEM" else None)
    assert isinstance(got, rx.Refused)
    assert got.disposition == disposition, got.message
    reply = rx.answer(got)
    ctype = dict(reply.headers)["Content-Type"]
    receipt = mdn.parse(ctype, reply.body, [ids["us"].cert])
    assert receipt.disposition.endswith(f"processed/error: {disposition}")
    assert receipt.signed == (case != "unknown")  # unknown partners get an unsigned MDN
    assert reply.async_url is None


def test_missing_headers_and_path_filename(ids):
    msg = send(ids)
    headers = dict(msg.headers)
    del headers["Message-ID"]
    got = deliver(ids, msg, body=msg.body) if False else rx.receive(headers, msg.body,
                                                                     lambda f, t: party(ids))
    assert isinstance(got, rx.Refused) and got.http_status == 400 and "Message-ID" in got.message
    with pytest.raises(As2Error):
        send(ids, payload=b"x", message_id=None) if False else build(
            b"x", filename="../etc/passwd", content_type="text/plain", as2_from="A", as2_to="B",
            security=Security("none", "none"), sign_key=None, sign_cert=None, recipients=())
    evil = mime.build_entity([("Content-Type", "application/edi-x12"),
                              ("Content-Disposition", 'attachment; filename="../../x.edi"')], b"X")
    e = mime.parse_entity(evil)
    headers = {"AS2-From": "THEM", "AS2-To": "US", "Message-ID": "<1@x>",
               "Content-Type": e.get("Content-Type"),
               "Content-Disposition": e.get("Content-Disposition")}
    got = rx.receive(headers, e.body, lambda f, t: party(ids, require_signed=False,
                                                         require_encrypted=False))
    assert isinstance(got, rx.Refused) and got.kind == "unsafe-filename"


def test_async_mdn_request_and_mdn_arrival(ids):
    msg = send(ids, mdn_async_url="http://127.0.0.1:9/mdn")
    got = deliver(ids, msg)
    reply = rx.answer(got)
    assert reply.async_url == "http://127.0.0.1:9/mdn"
    # the MDN, POSTed back to the sender, is recognised as an MDN by the sender's receive()
    back = rx.Party(name="them", partner_id="US", our_id="THEM",
                    partner_certificates=(ids["us"].cert,), our_certificate=ids["them"].cert,
                    our_key=ids["them"].key)
    arrived = rx.receive(dict(reply.headers), reply.body, lambda f, t: back)
    assert isinstance(arrived, rx.MdnArrived)
    assert arrived.receipt.message_id == msg.message_id and arrived.receipt.ok
    assert mic.matches(arrived.receipt.mic, msg.mic)


def test_multipart_split_exact_and_truncated():
    parts = [b"A: 1\r\n\r\nbody\r\n\r\n", b"\n\nbinary\x00"]
    body = mime.build_multipart(parts, "b1")
    assert mime.split_multipart(body, "b1") == parts
    with pytest.raises(As2Error, match="closing boundary"):
        mime.split_multipart(body[:-8], "b1")


def test_mic_spellings():
    value = mic.compute(b"abc", "sha256")
    assert value.endswith(", sha-256")
    assert mic.matches(value, value.replace("sha-256", "sha_256"))
    assert not mic.matches(value, mic.compute(b"abd", "sha256"))


@pytest.fixture(scope="module")
def sample(ids):
    return send(ids, Security("sha256", "aes128-cbc", compression="after-signing"))


def _only_as2_errors(ids, msg, body):
    try:
        got = deliver(ids, msg, body=body)
    except As2Error:
        return
    assert isinstance(got, (rx.Refused, rx.Delivered, rx.MdnArrived))


def test_truncations_byte_by_byte(ids, sample):
    for cut in range(0, len(sample.body), max(1, len(sample.body) // 97)):
        got = deliver(ids, sample, body=sample.body[:cut])
        assert isinstance(got, rx.Refused)
    got = deliver(ids, sample, body=sample.body + b"trailing")
    assert isinstance(got, (rx.Refused, rx.Delivered))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_receive_only_refusals(ids, sample, data):
    body = bytearray(sample.body)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(body) - 1))
        body[pos] = data.draw(st.integers(0, 255))
    got = deliver(ids, sample, body=bytes(body))
    assert isinstance(got, (rx.Refused, rx.Delivered))
    if isinstance(got, rx.Delivered):
        assert got.payload == PAYLOAD  # a mutation that survives must not change the payload


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.text(max_size=40))
def test_fuzz_parsers_raise_only_as2error(blob, boundary):
    for fn in (lambda: mime.parse_entity(blob), lambda: mime.split_multipart(blob, boundary),
               lambda: cms.decompress(blob), lambda: mdn.parse("multipart/report; boundary=x",
                                                              blob, []),
               lambda: mdn.parse(f"multipart/signed; boundary={boundary!r}", blob, [])):
        try:
            fn()
        except As2Error:
            pass


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_receive_long(ids, sample, data):
    test_fuzz_receive_only_refusals.hypothesis.inner_test(ids, sample, data)
