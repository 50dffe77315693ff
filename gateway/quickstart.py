"""The embedded defaults' home folder: a working gateway on a fresh machine.

``create_home(path)`` writes, once:

    gateway.yaml                 the configuration, every setting at its default
    partner_profiles/            two sample partners on local folders (X12 and EDIFACT)
    mailboxes/<partner>/in       files from the partner: sample 855, 856 and DESADV, and a
                                 broken 856 that gets a rejecting 997
    mailboxes/<partner>/out      what we send the partner (850/ORDERS, 997, CONTRL) appears here
    erp/in                       the "files" ERP connector's outbound folder: two purchase orders
    erp/out                      where inbound documents land as canonical JSON

The sample inbound files are rendered by the gateway's own writers as the partners would send
them, so they always match the sample profiles' identities.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from translators import canonical, pipeline
from translators.x12.serialize import MemoryControlNumbers

SAMPLES = Path(__file__).resolve().parent / "samples"

GATEWAY_YAML = """\
# edi-gateway configuration (the embedded defaults, written by the first `edi-gateway run`).
# Relative paths start at this file's folder.  Every setting is optional.
store: sqlite:///gateway.db        # or postgresql+psycopg://edi@db-host/edi (README: cluster)
# store_password: env:EDI_DB_PASSWORD
profiles: partner_profiles         # one YAML file per trading partner
archive: archive                   # every file received and produced, content-addressed
archive_export: archive-export     # where retention moves old archive files (never deleted)
connector:                         # the ERP: canonical JSON files (or type: odoo)
  type: files
  out: erp/out                     # inbound documents, one JSON file each
  in: erp/in                       # drop outbound documents here
worker:
  lease: 5m                        # a crashed worker's documents are taken over after this
  batch: 8
  idle: 1s
  extract_every: 10s
retry:                             # transient failures: exponential backoff with jitter
  base: 30s
  cap: 1h
  max_attempts: 12                 # then the document goes to the dead-letter status
duplicates:
  window: 180d                     # same sender + interchange number within it: duplicate
retention:
  archive_after: 400d
# as2:                             # receive AS2 (profiles with transport type as2)
#   listen: 0.0.0.0:4080
"""


def render_as_partner(profile_path: Path, body: "dict | Path", start: int) -> bytes:
    """``body`` (canonical {"type", "content"} or a JSON file of it) as the partner of the
    profile would send it to us, numbered from ``start`` (samples and tests)."""
    import yaml
    prof = yaml.safe_load(profile_path.read_text(encoding="utf-8"))
    if isinstance(body, Path):
        body = json.loads(body.read_text(encoding="utf-8"))
    doc = canonical.document_from_dict(body, "sample")
    partner, ours = prof["identities"]["partner"], prof["identities"]["ours"]
    rule = prof["documents"].get(body["type"]) or next(iter(prof["documents"].values()))
    adapter = pipeline.ADAPTERS[prof["standard"]]()
    counter = MemoryControlNumbers(start=start)
    if prof["standard"] == "x12":
        return adapter.render([doc], version=str(rule["version"]), sender=partner["isa_id"],
                              receiver=ours["isa_id"], sender_qualifier=partner["isa_qualifier"],
                              receiver_qualifier=ours["isa_qualifier"], test=False,
                              counter=counter, separators="*>^~", newline=True)
    return adapter.render([doc], version=rule["version"], sender=partner["id"],
                          receiver=ours["id"], sender_qualifier=partner.get("qualifier"),
                          receiver_qualifier=ours.get("qualifier"),
                          association=rule.get("association"), syntax="3", charset="UNOC",
                          test=False, counter=counter, newline=True)


def create_home(home: Path) -> list[Path]:
    """Create the sample home (nothing is overwritten).  Returns the files written."""
    written: list[Path] = []
    home.mkdir(parents=True, exist_ok=True)

    def write(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    write(home / "gateway.yaml", GATEWAY_YAML.encode())
    profiles = home / "partner_profiles"
    for src in sorted((SAMPLES / "profiles").glob("*.yaml")):
        write(profiles / src.name, src.read_bytes())
    schema = Path(__file__).resolve().parent / "profiles" / "schema.json"
    if schema.exists():
        write(profiles / "schema.json", schema.read_bytes())
    for name in ("acme-parts", "nordwerk"):
        for sub in ("in", "out", "done"):
            (home / "mailboxes" / name / sub).mkdir(parents=True, exist_ok=True)
    docs = SAMPLES / "documents"
    acme, nordwerk = profiles / "acme-parts.yaml", profiles / "nordwerk.yaml"
    inbox = home / "mailboxes"
    write(inbox / "acme-parts" / "in" / "855-ACK-88120.x12",
          render_as_partner(acme, docs / "acme-parts-855.json", 5001))
    asn = render_as_partner(acme, docs / "acme-parts-856.json", 5002)
    write(inbox / "acme-parts" / "in" / "856-ASN-55001.x12", asn)
    # the same ship notice with a quantity that is not a number: rejected by the 997 (AK3/AK4)
    broken = asn.replace(b"000005002", b"000005003").replace(b"SN1**500*EA", b"SN1**5O0*EA")
    write(inbox / "acme-parts" / "in" / "856-ASN-55001-broken.x12", broken)
    write(inbox / "nordwerk" / "in" / "DESADV-DES-7781.edi",
          render_as_partner(nordwerk, docs / "nordwerk-desadv.json", 7001))
    write(home / "erp" / "in" / "purchase-orders.json",
          (docs / "erp-purchase-orders.json").read_bytes())
    (home / "erp" / "out").mkdir(parents=True, exist_ok=True)
    return written


def remove_home(home: Path) -> None:  # pragma: no cover - used by people, not tests
    shutil.rmtree(home)
