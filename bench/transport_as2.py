"""AS2 receive benchmark: decrypt + verify + signed MDN for 1 MB and 10 MB payloads.

    python bench/transport_as2.py [--sizes 1,10] [--runs 3]

For each size, a signed (SHA-256) and AES-256-CBC encrypted message is built once, then
timed (best of --runs):
  in-process   edi_mailbox.as2.receive.receive() + answer() (signed MDN), no HTTP;
  over HTTP    POST to a running As2Server on 127.0.0.1 (cheroot), sync signed MDN back;
  openssl      `openssl cms -decrypt` + `openssl cms -verify` of the same message
               (subprocess, same machine) as the baseline;
  primitives   the raw cryptography calls alone (RSA unwrap, AES-CBC, SHA-256, RSA verify).
For comparison: pyas2lib's round trip for 1 MB took about 0.54 s on this machine.
"""
from __future__ import annotations

import argparse
import http.client
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "mailbox"))

from as2_fixtures import as2_profile, make_identity  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402

from edi_mailbox.as2 import receive as rx  # noqa: E402
from edi_mailbox.as2.message import Security, build  # noqa: E402
from edi_mailbox.as2.server import As2Server  # noqa: E402
from edi_mailbox.base import Accepted  # noqa: E402

MB = 1024 * 1024


def best(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,10")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="as2bench"))
    us, them = make_identity(tmp, "us"), make_identity(tmp, "them")
    party = rx.Party(name="them", partner_id="THEM", our_id="US",
                     partner_certificates=(them.cert,), our_certificate=us.cert, our_key=us.key)
    profile = as2_profile(tmp, name="them", partner_id="THEM", our_id="US",
                          partner_certs=[them.cert_path], our=us, url="http://127.0.0.1:1/")
    server = As2Server("127.0.0.1", 0, lookup=lambda f, t: profile,
                       accept=lambda f: Accepted("d"), is_duplicate=lambda p, m: False,
                       on_receipt=lambda r: None, on_event=lambda *a: None,
                       send_async_mdn=lambda *a: None, max_body=64 * MB, env={})
    server.start()
    url = urllib.parse.urlsplit(server.url)
    print(f"AS2 receive: SHA-256 signature, AES-256-CBC, RSA-2048, signed sync MDN; best of "
          f"{args.runs}")
    print(f"{'size':>6} {'in-process':>11} {'over HTTP':>10} {'openssl':>9} {'primitives':>11}"
          f" {'MB/s (HTTP)':>12} {'HTTP/openssl':>13}")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            payload = (b"ISA*00*          *00*          *ZZ*SENDER*ZZ*US*~\r\n" * (size * MB // 50
                                                                                  + 1))[:size * MB]
            msg = build(payload, filename="big.x12", content_type="application/edi-x12",
                        as2_from="THEM", as2_to="US", security=Security(), sign_key=them.key,
                        sign_cert=them.cert, recipients=(us.cert,))
            headers = dict(msg.headers)

            def in_process():
                got = rx.receive(headers, msg.body, lambda f, t: party)
                assert isinstance(got, rx.Delivered) and len(got.payload) == len(payload)
                assert rx.answer(got) is not None

            def over_http():
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
                conn.request("POST", url.path, body=msg.body, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                conn.close()
                assert resp.status == 200 and b"processed" in body and b"error" not in body

            (tmp / "in.der").write_bytes(msg.body)

            def with_openssl():
                subprocess.run(["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in",
                                str(tmp / "in.der"), "-recip", str(us.cert_path), "-inkey",
                                str(us.key_path), "-out", str(tmp / "signed.txt")], check=True)
                subprocess.run(["openssl", "cms", "-verify", "-in", str(tmp / "signed.txt"),
                                "-CAfile", str(them.cert_path), "-purpose", "any", "-out",
                                os.devnull], check=True, capture_output=True)

            key, iv = os.urandom(32), os.urandom(16)
            wrapped = us.cert.public_key().encrypt(key, padding.PKCS1v15())
            ct = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor().update(payload)
            sig = them.key.sign(b"attrs", padding.PKCS1v15(), hashes.SHA256())

            def primitives():
                k = us.key.decrypt(wrapped, padding.PKCS1v15())
                plain = Cipher(algorithms.AES(k), modes.CBC(iv)).decryptor().update(ct)
                h = hashes.Hash(hashes.SHA256())
                h.update(plain)
                h.finalize()
                them.cert.public_key().verify(sig, b"attrs", padding.PKCS1v15(), hashes.SHA256())
                us.key.sign(b"mdn", padding.PKCS1v15(), hashes.SHA256())

            t_in, t_http = best(in_process, args.runs), best(over_http, args.runs)
            t_ossl, t_prim = best(with_openssl, args.runs), best(primitives, args.runs)
            print(f"{size:>4}MB {t_in:>10.3f}s {t_http:>9.3f}s {t_ossl:>8.3f}s {t_prim:>10.3f}s"
                  f" {size / t_http:>12.1f} {t_http / t_ossl:>12.2f}x")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
