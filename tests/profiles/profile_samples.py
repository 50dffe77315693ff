"""Sample profile texts and certificate helpers shared by the profile tests."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)

#: A valid X12 profile over a local folder (no secrets needed).  Tests break it on purpose.
BASE = """\
name: acme
standard: x12
erp:
  partner_ref: ACME
identities:
  partner:
    isa_qualifier: "ZZ"
    isa_id: ACMEPARTS
  ours:
    isa_qualifier: "ZZ"
    isa_id: OURCO
documents:
  order_response:
    direction: receive
    version: "004010"
    changes: apply
transport:
  type: folder
  folder:
    inbox: /srv/edi/acme/in
    outbox: /srv/edi/acme/out
code_maps:
  units:
    EA: uom.product_uom_unit
  products:
    - scheme: vendor
      odoo: supplierinfo
"""

#: The same partner over SFTP; its key comes from env ACME_KEY.
SFTP = BASE.replace("""  type: folder
  folder:
    inbox: /srv/edi/acme/in
    outbox: /srv/edi/acme/out
""", """  type: sftp
  sftp:
    host: sftp.acme.example
    user: ourco
    key: env:ACME_KEY
    host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICxnPZFMWj8bMuhJgzvKYXV4KqnLYc3rO31hlqJit0LL"
    inbox: /out
    outbox: /in
""")

#: An EDIFACT partner over AS2, certificates in certs/ next to the profile.
AS2 = """\
name: nord
standard: edifact
erp:
  partner_ref: NORD
identities:
  partner:
    id: "4001234000008"
    qualifier: "14"
  ours:
    id: "4001234000015"
    qualifier: "14"
  as2:
    partner: NORD-AS2
    ours: OURCO-AS2
documents:
  ship_notice:
    direction: receive
    version: D96A
    receipt: validate
transport:
  type: as2
  as2:
    url: https://as2.nord.example/as2
    partner_certificates:
      - certs/nord.pem
    our_certificate: certs/ours.pem
    our_key: file:keys/ours.key
"""


def make_cert(cn: str, not_before: dt.datetime, not_after: dt.datetime,
              key: Optional[rsa.RSAPrivateKey] = None) -> tuple[bytes, rsa.RSAPrivateKey]:
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1000)
            .not_valid_before(not_before).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM), key


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
