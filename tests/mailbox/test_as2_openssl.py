"""Interoperability with `openssl cms` / `openssl smime` as an independent S/MIME peer.

This machine's OpenSSL is built without zlib (`openssl cms -compress` fails), so the
compression layer of the inbound test is built with plain asn1crypto + zlib in the test
itself (not with our cms module); signing and encryption are openssl's.
"""
from __future__ import annotations

import base64
import http.server
import pathlib
import shutil
import subprocess
import sys
import threading
import zlib

import pytest
from asn1crypto import cms as acms

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from as2_fixtures import as2_profile, make_identity  # noqa: E402
from edi_mailbox.as2 import mdn, mime  # noqa: E402
from edi_mailbox.as2 import receive as rx  # noqa: E402
from edi_mailbox.as2.client import As2Mailbox  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")

# OpenSSL 3.0's S/MIME reader keeps the CR of the CRLF before a boundary with -binary and
# canonicalises bare LFs to CRLF without it (it fails on its own -binary output), so what we
# send openssl uses CRLF line ends; the inbound direction checks bare LF/CR/NUL byte-exact.
OUT_PAYLOAD = b"UNA:+.? 'UNB+UNOC:3+US+THEM'\r\nCRLF only\r\n\x80\xfe\xff binary'"
PAYLOAD = b"UNA:+.? 'UNB+UNOC:3+US+THEM'\nLF inside\r\nCRLF\x00\x80\xfe binary'"
PAYLOAD = b"UNA:+.? 'UNB+UNOC:3+SENDER+US'\nLF only\r\nCRLF\x00\x80\xfe binary\n"


def openssl(*args, stdin=None):
    proc = subprocess.run(["openssl", *args], input=stdin, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


def dgst_b64(path, alg="sha256"):
    return base64.b64encode(openssl("dgst", f"-{alg}", "-binary", str(path))).decode()


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("as2ossl")
    return d, make_identity(d, "us"), make_identity(d, "them")


def _party(us, them):
    return rx.Party(name="them", partner_id="THEM", our_id="US",
                    partner_certificates=(them.cert,), our_certificate=us.cert, our_key=us.key)


def _compress_entity(entity: bytes) -> bytes:
    data = acms.CompressedData({"version": "v0", "compression_algorithm": {"algorithm": "zlib"},
                                "encap_content_info": {"content_type": "data",
                                                       "content": zlib.compress(entity)}})
    der = acms.ContentInfo({"content_type": "compressed_data", "content": data}).dump()
    return (b"Content-Type: application/pkcs7-mime; smime-type=compressed-data\r\n"
            b"Content-Transfer-Encoding: binary\r\n\r\n" + der)


@pytest.mark.parametrize("cipher,md,pss", [("-aes256", "sha256", False),
                                           ("-des3", "sha1", False),
                                           ("-aes192", "sha512", True)])
def test_openssl_message_accepted_and_our_mdn_verifies(keys, cipher, md, pss):
    d, us, them = keys
    entity = d / "entity.txt"
    entity.write_bytes(b"Content-Type: application/edifact\r\nContent-Transfer-Encoding: binary"
                       b"\r\nContent-Disposition: attachment; filename=\"order.edi\"\r\n\r\n"
                       + PAYLOAD)
    extra = ["-keyopt", "rsa_padding_mode:pss"] if pss else []
    signed = openssl("cms", "-sign", "-binary", "-crlfeol", "-in", str(entity), "-signer",
                     str(them.cert_path), "-inkey", str(them.key_path), "-md", md, *extra,
                     "-outform", "SMIME")
    compressed = d / "compressed.txt"
    compressed.write_bytes(_compress_entity(signed))
    body = openssl("cms", "-encrypt", "-binary", cipher, "-recip", str(us.cert_path),
                   "-in", str(compressed), "-outform", "DER")
    headers = {"AS2-From": "THEM", "AS2-To": "US", "Message-ID": "<ossl-1@them>",
               "Content-Type": "application/pkcs7-mime; smime-type=enveloped-data",
               "Disposition-Notification-To": "them@example",
               "Disposition-Notification-Options":
                   f"signed-receipt-protocol=optional, pkcs7-signature; "
                   f"signed-receipt-micalg=optional, {md}"}
    got = rx.receive(headers, body, lambda f, t: _party(us, them))
    assert isinstance(got, rx.Delivered), got
    assert got.payload == PAYLOAD and got.filename == "order.edi"
    assert got.signed and got.encrypted and got.compressed
    assert got.mic == f"{dgst_b64(entity, md)}, sha-{md[3:]}"
    reply = rx.answer(got)
    smime = d / "mdn.txt"
    hdrs = dict(reply.headers)
    smime.write_bytes(f"MIME-Version: 1.0\r\nContent-Type: {hdrs['Content-Type']}\r\n\r\n"
                      .encode() + reply.body)
    report = openssl("smime", "-verify", "-in", str(smime), "-CAfile", str(us.cert_path),
                     "-purpose", "any")
    assert b"Received-content-MIC: " + dgst_b64(entity, md).encode() in report
    assert b"Original-Message-ID: <ossl-1@them>" in report
    assert b"Disposition: automatic-action/MDN-sent-automatically; processed" in report


class OpensslPartner(http.server.BaseHTTPRequestHandler):
    """A partner whose AS2 server is openssl: decrypt, verify, digest, sign the MDN."""

    ctx: dict = {}

    def log_message(self, *args):
        pass

    def do_POST(self):
        d, us, them = self.ctx["keys"]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        (d / "in.der").write_bytes(body)
        signed = openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(d / "in.der"),
                         "-recip", str(them.cert_path), "-inkey", str(them.key_path))
        (d / "signed.txt").write_bytes(signed)
        content = openssl("cms", "-verify", "-in", str(d / "signed.txt"), "-CAfile",
                          str(us.cert_path), "-purpose", "any")
        (d / "content.txt").write_bytes(content)
        self.ctx["received"] = content
        mic = dgst_b64(d / "content.txt")
        report = mime.build_multipart([
            b"Content-Type: text/plain\r\n\r\nopenssl partner received it\r\n",
            b"Content-Type: message/disposition-notification\r\n\r\n"
            b"Reporting-UA: openssl\r\nFinal-Recipient: rfc822; THEM\r\n"
            b"Original-Message-ID: " + self.headers["Message-ID"].encode() + b"\r\n"
            b"Received-content-MIC: " + mic.encode() + b", sha256\r\n"
            b"Disposition: automatic-action/MDN-sent-automatically; processed\r\n"], "RPT")
        (d / "report.txt").write_bytes(b"Content-Type: multipart/report; report-type="
                                       b"disposition-notification; boundary=\"RPT\"\r\n\r\n"
                                       + report)
        smime = openssl("cms", "-sign", "-binary", "-crlfeol", "-in", str(d / "report.txt"),
                        "-signer", str(them.cert_path), "-inkey", str(them.key_path),
                        "-md", "sha256", "-outform", "SMIME")
        entity = mime.parse_entity(smime)
        self.send_response(200)
        for name in ("Content-Type", "MIME-Version"):
            self.send_header(name, entity.get(name))
        self.send_header("AS2-From", "THEM")
        self.send_header("AS2-To", "US")
        self.send_header("Content-Length", str(len(entity.body)))
        self.end_headers()
        self.wfile.write(entity.body)


@pytest.mark.parametrize("encryption,kt", [("aes256-cbc", "rsa-pkcs1v15"), ("3des", "rsa-oaep"),
                                           ("aes128-cbc", "rsa-oaep")])
def test_our_message_read_by_openssl_and_openssl_mdn_accepted(keys, encryption, kt):
    d, us, them = keys
    OpensslPartner.ctx = {"keys": keys}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OpensslPartner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        profile = as2_profile(d, name="them", partner_id="THEM", our_id="US",
                              partner_certs=[them.cert_path], our=us,
                              url=f"http://127.0.0.1:{server.server_address[1]}/as2",
                              encryption=encryption, key_transport=kt)
        result = As2Mailbox(profile, env={}).send("po.edi", OUT_PAYLOAD)
    finally:
        server.shutdown()
    content = mime.parse_entity(OpensslPartner.ctx["received"])
    assert content.body == OUT_PAYLOAD  # openssl decrypted and verified it, byte-exact
    assert result.receipt.ok and result.receipt.signed and result.receipt.mic_matches


def test_openssl_signed_unencrypted_mdn_parse(keys):
    d, us, them = keys
    (d / "r.txt").write_bytes(
        b"Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n"
        + mime.build_multipart([b"Content-Type: message/disposition-notification\r\n\r\n"
                                b"Original-Message-ID: <m@x>\r\nDisposition: automatic-action/"
                                b"MDN-sent-automatically; processed/error: decryption-failed\r\n"],
                               "b"))
    smime = openssl("cms", "-sign", "-in", str(d / "r.txt"), "-signer", str(them.cert_path),
                    "-inkey", str(them.key_path), "-outform", "SMIME")  # text mode, LF output
    entity = mime.parse_entity(smime)
    receipt = mdn.parse(entity.get("Content-Type"), entity.body, [them.cert], require_signed=True)
    assert receipt.signed and not receipt.ok and receipt.message_id == "<m@x>"
