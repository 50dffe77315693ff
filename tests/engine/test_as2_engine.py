"""AS2 through the whole gateway: a partner's signed and encrypted DESADV arrives at the
gateway's AS2 endpoint, is archived and recorded before the MDN, translated and delivered;
our CONTRL and an ORDERS go back to the partner's AS2 server with verified sync MDNs."""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mailbox"))

from as2_fixtures import as2_profile, make_identity  # noqa: E402
from edi_mailbox.as2.client import As2Mailbox  # noqa: E402
from edi_mailbox.as2.server import As2Server  # noqa: E402
from edi_mailbox.base import Accepted  # noqa: E402
from homes import Home, run_idle, sample  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_as2_partner_end_to_end(tmp_path):
    home = Home(tmp_path / "home")
    keys = tmp_path / "keys"
    keys.mkdir()
    us, them = make_identity(keys, "us"), make_identity(keys, "them")
    os.chmod(us.key_path, 0o600)
    os.chmod(them.key_path, 0o600)
    # the partner's own AS2 server, receiving what we send
    received: list = []

    def partner_accept(f):
        received.append(f)
        return Accepted(str(len(received)))
    partner_view_of_us = {}
    partner_server = As2Server(
        "127.0.0.1", 0, lookup=lambda a, b: partner_view_of_us.get((a, b)),
        accept=partner_accept, is_duplicate=lambda p, m: False, on_receipt=lambda r: None,
        on_event=lambda *a: None, env={}, mdn_spool=tmp_path / "partner-spool")
    partner_server.start()
    port = _free_port()
    try:
        # our profile of nordwerk, now over AS2
        path = home.profiles / "nordwerk.yaml"
        data = yaml.safe_load(path.read_text())
        data["identities"]["as2"] = {"partner": "NORDWERK-AS2", "ours": "OURCO-AS2"}
        data["transport"] = {"type": "as2", "as2": {
            "url": partner_server.url, "partner_certificates": [str(them.cert_path)],
            "our_certificate": str(us.cert_path), "our_key": f"file:{us.key_path}",
            "mdn": {"mode": "sync", "signed": True}}}
        path.write_text(yaml.safe_dump(data))
        cfg = (home.root / "gateway.yaml").read_text() + f"as2: {{listen: 127.0.0.1:{port}}}\n"
        (home.root / "gateway.yaml").write_text(cfg)
        # the partner's profile of us (its client posts to our endpoint)
        theirs = as2_profile(keys, name="ourco", partner_id="OURCO-AS2", our_id="NORDWERK-AS2",
                             partner_certs=[us.cert_path], our=them,
                             url=f"http://127.0.0.1:{port}/")
        partner_view_of_us[("OURCO-AS2", "NORDWERK-AS2")] = theirs
        home.order("nordwerk", "PO-AS2")
        gw = home.gateway()
        try:
            gw.start_as2()
            desadv = home.render("nordwerk", sample("nordwerk-desadv.json"), number=4242)
            result = As2Mailbox(theirs, env={}).send("desadv.edi", desadv)
            assert result.receipt is not None and result.receipt.ok and result.receipt.mic_matches
            # archived and recorded before the MDN came back
            [f] = gw.store.documents(flow="inbound")
            assert gw.archive.read(f["raw_sha256"]) == desadv
            assert f["meta"]["message_id"] == result.transport_id
            run_idle(gw)
            [tx] = gw.store.documents(flow="transaction")
            assert (tx["transaction_set"], tx["status"]) == ("DESADV", "delivered")
            out = {d["doc_type"]: d for d in gw.store.documents(flow="outbound")}
            assert out["purchase_order"]["status"] == "sent"
            assert out["purchase_order"]["receipt_status"] == "accepted"  # signed MDN, MIC ok
            assert out["CONTRL"]["status"] == "sent"
            payloads = sorted(r.data[:3] for r in received)
            assert len(received) == 2 and all(p.startswith(b"UN") for p in payloads)
            assert any(b"ORDERS:D:96A" in r.data for r in received)
            assert any(b"CONTRL" in r.data and b"UCI+4242+" in r.data for r in received)
            # the same message again: recognised, not processed twice
            again = As2Mailbox(theirs, env={})
            again.send("desadv.edi", desadv)
            run_idle(gw)
            assert len(gw.store.documents(flow="transaction")) == 1
        finally:
            gw.close()
    finally:
        partner_server.stop()
