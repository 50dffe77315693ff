"""The gateway with the Odoo connector (the JSON-RPC test server in Odoo 17 mode): a confirmed
purchase order is extracted, rendered and sent as an 850; the partner's 997 and 856 come back
through the mailbox, and Odoo shows the chatter notes and the expected receipt quantities."""
from __future__ import annotations

import os

from tests.odoo.world import World
from homes import Home, run_idle


def test_purchase_order_out_ship_notice_and_997_in_through_the_engine(tmp_path, monkeypatch):
    with World(17) as world:
        home = Home(tmp_path / "home")
        cfg = (home.root / "gateway.yaml").read_text().replace(
            "connector: {type: files, out: erp/out, in: erp/in}",
            f"connector: {{type: odoo, url: '{world.server.url}', database: odoo, user: edi, "
            "api_key: 'env:ODOO_TEST_KEY'}")
        (home.root / "gateway.yaml").write_text(cfg)
        monkeypatch.setenv("ODOO_TEST_KEY", "secret-key")
        po = world.purchase_order("P00042", world.acme, [(world.products[2], 10, 4.5)])
        gw = home.gateway()
        try:
            run_idle(gw)
            [doc] = gw.store.documents(flow="outbound")
            assert (doc["doc_type"], doc["number"], doc["status"]) == (
                "purchase_order", "P00042", "sent")
            sent = gw.archive.read(doc["raw_sha256"])
            assert b"BEG*00*SA*P00042" in sent and b"*BP*P2" in sent
            notes = world.messages("purchase.order", po)
            assert any("sent by EDI to acme-parts" in n for n in notes), notes
            ack = {"type": "functional_ack", "content": {
                "ack_type": "997", "status": "accepted", "functional_id": "PO",
                "group_control_number": doc["group_cn"], "included": 1, "received": 1,
                "accepted": 1}}
            asn = {"type": "ship_notice", "content": {
                "number": "ASN-9001", "date": "2026-12-02",
                "orders": [{"order_number": "P00042", "items": [
                    {"line_number": "1", "quantity": "10", "unit": "EA",
                     "product_ids": [{"scheme": "buyer", "value": "P2"}]}]}]}}
            home.drop("acme-parts", "997.x12", home.render("acme-parts", ack))
            home.drop("acme-parts", "856.x12", home.render("acme-parts", asn))
            run_idle(gw)
            assert gw.store.get(doc["id"])["ack_status"] == "accepted"
            txs = {d["transaction_set"]: d for d in gw.store.documents(flow="transaction")}
            assert txs["997"]["status"] == "reconciled"
            assert txs["856"]["status"] == "delivered", txs["856"]
            receipt = world.receipt(po)
            assert world.move_lines(receipt["id"]) == [("P2", 10, None)]
            notes = world.messages("purchase.order", po)
            assert any("functional_ack from acme-parts: accepted" in n for n in notes), notes
            # the same 856 reprocessed: Odoo is not changed twice
            [file_doc] = [d for d in gw.store.documents(flow="inbound")
                          if d["meta"]["name"] == "856.x12"]
            with gw.store.transaction() as conn:
                gw.store.transition(conn, file_doc, "reprocess",
                                    values={"next_attempt_at": gw.store.clock()})
            run_idle(gw)
            assert world.move_lines(receipt["id"]) == [("P2", 10, None)]
        finally:
            gw.close()
