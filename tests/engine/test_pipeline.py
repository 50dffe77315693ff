"""The whole pipeline on local folders, the files connector and a real store (SQLite file and
PostgreSQL): inbound translated, acknowledged and delivered once; duplicates quarantined;
outbound rendered with persistent control numbers, sent, reconciled by 997/CONTRL and 855."""
from __future__ import annotations

import json

import sqlalchemy as sa

from gateway.errors import PermanentError, TransientError
from gateway.store import schema as t
from homes import run_idle, sample, ship_notice


def _docs(gw, **kw):
    return gw.store.documents(**kw)


def test_inbound_856_is_archived_acknowledged_and_delivered_once(home):
    data = home.render("acme-parts", ship_notice("PO-1", "ASN-1"), number=501)
    home.drop("acme-parts", "asn1.x12", data)
    gw = home.gateway()
    try:
        run_idle(gw)
        files = _docs(gw, flow="inbound")
        assert [f["status"] for f in files] == ["translated"]
        assert gw.archive.read(files[0]["raw_sha256"]) == data  # raw input archived as is
        [tx] = _docs(gw, flow="transaction")
        assert (tx["status"], tx["transaction_set"], tx["number"]) == ("delivered", "856", "ASN-1")
        written = list(home.erp_out("acme-parts").iterdir())
        assert len(written) == 1
        delivered = json.loads(written[0].read_text())
        assert delivered["content"]["orders"][0]["order_number"] == "PO-1"
        [ack] = _docs(gw, flow="outbound")
        assert (ack["doc_type"], ack["status"], ack["detail"]) == ("997", "sent", "A")
        sent = list(home.outbox("acme-parts").iterdir())
        assert len(sent) == 1 and b"AK1*SH*501" in sent[0].read_bytes()
        assert not list(home.inbox("acme-parts").iterdir())  # moved away after accept
        assert gw.verify_audit().ok
    finally:
        gw.close()


def test_same_file_offered_twice_is_recognised(home):
    data = home.render("acme-parts", ship_notice("PO-1", "ASN-1"), number=502)
    gw = home.gateway()
    try:
        from edi_mailbox.base import InboundFile
        offer = InboundFile("acme-parts", f"folder:{home.inbox('acme-parts')}", "a.x12", data)
        first = gw.engine.accept(offer)
        again = gw.engine.accept(offer)
        assert not first.duplicate and again.duplicate
        assert again.document_id == first.document_id
        assert len(_docs(gw, flow="inbound")) == 1
    finally:
        gw.close()


def test_duplicate_interchange_across_files_is_quarantined_with_ta1(home):
    body = ship_notice("PO-2", "ASN-2")
    home.drop("acme-parts", "first.x12", home.render("acme-parts", body, number=777))
    gw = home.gateway()
    try:
        run_idle(gw)
        # the partner sends the same interchange number again, in another file
        home.drop("acme-parts", "second.x12",
                  home.render("acme-parts", ship_notice("PO-3", "ASN-3"), number=777))
        run_idle(gw)
        files = {f["meta"]["name"]: f for f in _docs(gw, flow="inbound")}
        assert files["first.x12"]["status"] == "translated"
        second = files["second.x12"]
        assert second["status"] == "quarantined"
        assert "duplicate interchange" in second["detail"]
        assert f"document {files['first.x12']['id']}" in second["detail"]
        assert len(_docs(gw, flow="transaction")) == 1  # not processed twice
        assert len(list(home.erp_out("acme-parts").iterdir())) == 1
        acks = _docs(gw, flow="outbound", doc_type="TA1")
        assert len(acks) == 1 and acks[0]["status"] == "sent"
        ta1 = gw.archive.read(acks[0]["raw_sha256"])
        assert b"TA1*000000777*" in ta1 and b"*R*025" in ta1
    finally:
        gw.close()


def test_duplicate_edifact_interchange_gets_contrl(home):
    body = sample("nordwerk-desadv.json")
    home.drop("nordwerk", "d1.edi", home.render("nordwerk", body, number=9001))
    home.drop("nordwerk", "d2.edi", home.render("nordwerk", body, number=9001))
    gw = home.gateway()
    try:
        run_idle(gw)
        statuses = sorted(f["status"] for f in _docs(gw, flow="inbound"))
        assert statuses == ["quarantined", "translated"]
        contrl = [gw.archive.read(a["raw_sha256"]) for a in _docs(gw, flow="outbound")]
        assert any(b"UCI+9001+" in c and b"+4+26" in c for c in contrl), contrl
        assert len(_docs(gw, flow="transaction")) == 1
    finally:
        gw.close()


def test_unknown_sender_and_not_edi_are_quarantined_with_reasons(home):
    data = home.render("acme-parts", ship_notice("PO-1", "ASN-1"), number=601)
    home.drop("acme-parts", "stranger.x12", data.replace(b"ACMEPARTS      ", b"STRANGER       "))
    home.drop("acme-parts", "notes.txt", b"hello, this is not EDI\n")
    gw = home.gateway()
    try:
        run_idle(gw)
        files = {f["meta"]["name"]: f for f in _docs(gw, flow="inbound")}
        assert files["stranger.x12"]["status"] == "quarantined"
        assert "unknown sender" in files["stranger.x12"]["detail"]
        assert "stranger.x12" in files["stranger.x12"]["detail"]
        assert files["notes.txt"]["status"] == "quarantined"
        assert "not an X12 interchange" in files["notes.txt"]["detail"]
        assert not _docs(gw, flow="transaction")
        # the stranger hears why: a TA1 rejecting its interchange with code 006, sent over the
        # channel it used
        [ta1] = _docs(gw, flow="outbound", doc_type="TA1")
        text = gw.archive.read(ta1["raw_sha256"])
        assert b"TA1*000000601*" in text and b"*R*006" in text and b"*ZZ*STRANGER" in text
        assert ta1["status"] == "sent"
        # both are kept: the raw bytes are in the archive
        assert gw.archive.read(files["notes.txt"]["raw_sha256"]) == b"hello, this is not EDI\n"
    finally:
        gw.close()


def test_file_naming_another_partner_is_a_security_event(home):
    # nordwerk's envelope arriving over acme-parts' folder
    data = home.render("nordwerk", sample("nordwerk-desadv.json"), number=42)
    home.drop("acme-parts", "odd.edi", data)
    gw = home.gateway()
    try:
        run_idle(gw)
        [f] = _docs(gw, flow="inbound")
        assert f["status"] == "quarantined" and "channel mismatch" in f["detail"]
        kinds = [e.kind for e in gw.store.iter_events()]
        assert "security" in kinds
    finally:
        gw.close()


def test_invalid_transaction_is_refused_and_rejected_by_997(home):
    data = home.render("acme-parts", ship_notice("PO-1", "ASN-9"), number=701)
    home.drop("acme-parts", "bad.x12", data.replace(b"SN1**500*EA", b"SN1**5O0*EA"))
    gw = home.gateway()
    try:
        run_idle(gw)
        [tx] = _docs(gw, flow="transaction")
        assert tx["status"] == "refused"
        assert "SN1" in tx["detail"] and "bad.x12" in tx["detail"]
        assert not home.erp_out("acme-parts").exists() or not list(
            home.erp_out("acme-parts").iterdir())
        [ack] = _docs(gw, flow="outbound")
        text = gw.archive.read(ack["raw_sha256"])
        assert b"AK5*R" in text and b"AK4*2*" in text
    finally:
        gw.close()


def test_outbound_po_rendered_sent_and_reconciled_by_997_and_855(home):
    home.order("acme-parts", "PO-77")
    gw = home.gateway()
    try:
        run_idle(gw)
        [po] = _docs(gw, flow="outbound")
        assert (po["status"], po["doc_type"], po["number"]) == ("sent", "purchase_order", "PO-77")
        assert po["ack_status"] == "pending" and po["response_status"] == "pending"
        sent = gw.archive.read(po["raw_sha256"])
        assert b"BEG*00*SA*PO-77" in sent
        assert (home.outbox("acme-parts") / po["transport_id"].rsplit("/", 1)[1]).read_bytes() \
            == sent
        # the partner's 997 for our group, then its 855
        ack = {"type": "functional_ack", "content": {
            "ack_type": "997", "status": "accepted", "functional_id": "PO",
            "group_control_number": po["group_cn"], "version": "004010",
            "included": 1, "received": 1, "accepted": 1,
            "transactions": [{"set_id": "850", "control_number": po["transaction_cn"].zfill(4),
                              "status": "accepted"}]}}
        home.drop("acme-parts", "997.x12", home.render("acme-parts", ack))
        response = sample("acme-parts-855.json")
        response["content"]["order_number"] = "PO-77"
        home.drop("acme-parts", "855.x12", home.render("acme-parts", response))
        run_idle(gw)
        po = gw.store.get(po["id"])
        assert po["ack_status"] == "accepted"
        assert po["response_status"] == "accepted_with_changes"
        notices = [json.loads(line) for line in
                   (home.root / "erp" / "out" / "notices.jsonl").read_text().splitlines()]
        kinds = [(n["notice"], n.get("kind")) for n in notices]
        assert ("sent", None) in kinds and ("acknowledged", "functional_ack") in kinds
        assert ("acknowledged", "business_response") in kinds
    finally:
        gw.close()


def test_rejecting_997_marks_the_document_rejected(home):
    home.order("acme-parts", "PO-78")
    gw = home.gateway()
    try:
        run_idle(gw)
        [po] = _docs(gw, flow="outbound")
        ack = {"type": "functional_ack", "content": {
            "ack_type": "997", "status": "rejected", "functional_id": "PO",
            "group_control_number": po["group_cn"], "included": 1, "received": 1, "accepted": 0,
            "transactions": [{"set_id": "850", "control_number": po["transaction_cn"].zfill(4),
                              "status": "rejected", "codes": ["5"]}]}}
        home.drop("acme-parts", "997.x12", home.render("acme-parts", ack))
        run_idle(gw)
        assert gw.store.get(po["id"])["ack_status"] == "rejected"
        [fa] = _docs(gw, flow="transaction")
        assert fa["status"] == "reconciled" and f"document {po['id']}" in fa["detail"]
    finally:
        gw.close()


def test_control_numbers_survive_restarts_and_are_never_reused(home):
    for n in range(3):
        home.order("acme-parts", f"PO-{n}")
    gw = home.gateway()
    try:
        run_idle(gw)
        first = sorted(int(d["interchange_cn"]) for d in _docs(gw, flow="outbound"))
    finally:
        gw.close()
    home.order("acme-parts", "PO-9")
    gw = home.gateway()  # a new process over the same store
    try:
        run_idle(gw)
        all_numbers = [int(d["interchange_cn"]) for d in _docs(gw, flow="outbound")]
        assert len(set(all_numbers)) == 4
        assert max(all_numbers) > max(first)
        isa13 = {gw.archive.read(d["raw_sha256"])[90:99] for d in _docs(gw, flow="outbound")}
        assert len(isa13) == 4
    finally:
        gw.close()


def test_resend_same_bytes_and_with_new_control_numbers(home):
    home.order("acme-parts", "PO-5")
    gw = home.gateway()
    try:
        run_idle(gw)
        [po] = _docs(gw, flow="outbound")
        with gw.store.transaction() as conn:
            gw.store.transition(conn, po, "resend", values={"next_attempt_at": gw.store.clock()})
        run_idle(gw)
        again = gw.store.get(po["id"])
        assert again["status"] == "sent" and again["raw_sha256"] == po["raw_sha256"]
        with gw.store.transaction() as conn:
            gw.store.transition(conn, again, "rerender", values={
                "raw_sha256": None, "interchange_cn": None, "next_attempt_at": gw.store.clock()})
        run_idle(gw)
        third = gw.store.get(po["id"])
        assert third["status"] == "sent" and third["interchange_cn"] != po["interchange_cn"]
        assert third["raw_sha256"] != po["raw_sha256"]
    finally:
        gw.close()


class FlakyConnector:
    """A files connector whose ERP is down for the first ``down`` deliveries."""

    name = "flaky"

    def __init__(self, inner, down: int, permanent: bool = False) -> None:
        self.inner, self.down, self.permanent, self.calls = inner, down, permanent, 0

    def deliver(self, delivery):
        self.calls += 1
        if self.permanent:
            raise PermanentError(f"order {delivery.document.orders[0].order_number}: no such "
                                 "purchase order in the ERP")
        if self.calls <= self.down:
            raise TransientError("ERP unreachable: connection refused")
        return self.inner.deliver(delivery)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_transient_erp_failure_retries_with_backoff_then_succeeds(home):
    from gateway.connectors.files import FilesConnector
    inner = FilesConnector(home.root / "erp" / "out", home.root / "erp" / "in")
    flaky = FlakyConnector(inner, down=2)
    home.drop("acme-parts", "a.x12", home.render("acme-parts", ship_notice("PO-1", "A-1")))
    gw = home.gateway(connector=flaky)
    try:
        gw.run(until_idle=True)
        [tx] = _docs(gw, flow="transaction")
        assert tx["status"] == "pending" and tx["attempts"] == 1
        assert "ERP unreachable" in tx["last_error"]
        assert tx["next_attempt_at"] > gw.store.clock()  # waits: backoff, not a busy loop
        # time passes: make it due and run again (twice down, then up)
        for _ in range(2):
            with gw.store.transaction() as conn:
                conn.execute(t.documents.update().values(next_attempt_at=gw.store.clock()))
            gw.run(until_idle=True)
        tx = gw.store.get(tx["id"])
        assert tx["status"] == "delivered" and flaky.calls == 3
        kinds = [e.kind for e in gw.store.iter_events(document_id=tx["id"])]
        assert kinds.count("retry_scheduled") == 2
    finally:
        gw.close()


def test_permanent_failure_dead_letters_and_retry_brings_it_back(home):
    from gateway.connectors.files import FilesConnector
    inner = FilesConnector(home.root / "erp" / "out", home.root / "erp" / "in")
    bad = FlakyConnector(inner, down=0, permanent=True)
    home.drop("acme-parts", "a.x12", home.render("acme-parts", ship_notice("PO-404", "A-2")))
    gw = home.gateway(connector=bad)
    try:
        gw.run(until_idle=True)
        [tx] = _docs(gw, flow="transaction")
        assert tx["status"] == "dead" and tx["dead_from"] == "pending"
        assert "PO-404" in tx["detail"]
        bad.permanent = False
        with gw.store.transaction() as conn:
            gw.store.transition(conn, tx, "retry", values={"attempts": 0,
                                                           "next_attempt_at": gw.store.clock()})
        gw.run(until_idle=True)
        assert gw.store.get(tx["id"])["status"] == "delivered"
    finally:
        gw.close()


def test_reprocess_does_not_apply_twice(home):
    home.drop("acme-parts", "a.x12", home.render("acme-parts", ship_notice("PO-1", "A-3")))
    gw = home.gateway()
    try:
        run_idle(gw)
        [f] = _docs(gw, flow="inbound")
        with gw.store.transaction() as conn:
            gw.store.transition(conn, f, "reprocess", values={"next_attempt_at": gw.store.clock()})
        run_idle(gw)
        assert gw.store.get(f["id"])["status"] == "translated"
        [tx] = _docs(gw, flow="transaction")  # the same transaction row, delivered again...
        assert tx["status"] == "delivered"
        erp = tx["erp_result"]
        assert erp["replayed"] is True  # ...as a replay: the ERP saw it once
        assert len(list(home.erp_out("acme-parts").iterdir())) == 1
        assert len(_docs(gw, flow="outbound")) == 1  # the 997 is owed once
    finally:
        gw.close()


def test_overdue_acknowledgment_is_flagged(home):
    home.order("acme-parts", "PO-OLD")
    gw = home.gateway()
    try:
        run_idle(gw)
        [po] = _docs(gw, flow="outbound")
        with gw.store.transaction() as conn:
            conn.execute(t.documents.update().values(
                ack_due_at=gw.store.clock() - __import__("datetime").timedelta(minutes=1)))
        assert gw.engine.mark_overdue() == 1
        assert gw.store.get(po["id"])["ack_status"] == "overdue"
    finally:
        gw.close()


def test_each_transition_is_an_audit_event_and_tampering_is_detected(home):
    home.drop("acme-parts", "a.x12", home.render("acme-parts", ship_notice("PO-1", "A-4")))
    gw = home.gateway()
    try:
        run_idle(gw)
        assert gw.verify_audit().ok
        with gw.store.transaction() as conn:
            conn.execute(t.events.update().where(t.events.c.seq == 2).values(
                data=sa.func.replace(t.events.c.data, "acme-parts", "evil-corp")))
        report = gw.verify_audit()
        assert not report.ok and any(p.kind == "edited" and p.seq == 2 for p in report.problems)
    finally:
        gw.close()


class AsyncMdnMailbox:
    """An AS2-like channel: sending returns at once; the MDN arrives later."""

    def __init__(self) -> None:
        self.sent = []

    def send(self, name, data, meta=None):
        from edi_mailbox.base import SendResult
        self.sent.append(name)
        return SendResult(transport_id=f"<msg-{len(self.sent)}@us>", size=len(data),
                          receipt_expected=True, mic="abc=, sha-256")

    def poll(self, accept):
        from edi_mailbox.base import PollReport
        return PollReport("acme-parts")

    def close(self):
        pass


def test_async_mdn_matches_its_message_or_becomes_overdue(home):
    import datetime as _dt
    from edi_mailbox.base import Receipt
    mailbox = AsyncMdnMailbox()
    home.order("acme-parts", "PO-A1")
    home.order("acme-parts", "PO-A2")
    gw = home.gateway(mailbox_factory=lambda profile: mailbox)
    try:
        run_idle(gw)
        docs = {d["number"]: d for d in _docs(gw, flow="outbound")}
        assert {d["receipt_status"] for d in docs.values()} == {"pending"}
        assert all(d["receipt_due_at"] is not None for d in docs.values())
        gw.engine.receipt_arrived(Receipt(message_id=docs["PO-A1"]["transport_id"],
                                          disposition="automatic-action/MDN-sent-automatically;"
                                          " processed", ok=True, mic="abc=, sha-256",
                                          mic_matches=True, signed=True))
        assert gw.store.get(docs["PO-A1"]["id"])["receipt_status"] == "accepted"
        with gw.store.transaction() as conn:
            conn.execute(t.documents.update().where(t.documents.c.id == docs["PO-A2"]["id"])
                         .values(receipt_due_at=gw.store.clock() - _dt.timedelta(seconds=1)))
        assert gw.engine.mark_overdue() == 1
        assert gw.store.get(docs["PO-A2"]["id"])["receipt_status"] == "overdue"
        # an MDN nobody sent a message for is recorded, not applied
        gw.engine.receipt_arrived(Receipt(message_id="<unknown@x>", disposition="processed",
                                          ok=True))
        assert "receipt_unmatched" in [e.kind for e in gw.store.iter_events()]
        # a late MDN signed by another partner's certificate does not touch PO-A2
        bare = docs["PO-A2"]["transport_id"].strip("<>")
        positive = dict(disposition="automatic-action/MDN-sent-automatically; processed",
                        ok=True, mic="abc=, SHA256", signed=True)
        gw.engine.receipt_arrived(Receipt(message_id=bare, partner="nordwerk", **positive))
        assert gw.store.get(docs["PO-A2"]["id"])["receipt_status"] == "overdue"
        unmatched = [e for e in gw.store.iter_events() if e.kind == "receipt_unmatched"]
        assert "nordwerk" in unmatched[-1].data["reason"]
        # from the right partner it still matches, without angle brackets, MIC name spelled
        # differently
        gw.engine.receipt_arrived(Receipt(message_id=bare, partner="acme-parts", **positive))
        assert gw.store.get(docs["PO-A2"]["id"])["receipt_status"] == "accepted"
        # a positive MDN whose MIC differs: the partner did not get what we sent
        home.order("acme-parts", "PO-A3")
        run_idle(gw)
        a3 = {d["number"]: d for d in _docs(gw, flow="outbound")}["PO-A3"]
        gw.engine.receipt_arrived(Receipt(message_id=a3["transport_id"], partner="acme-parts",
                                          **dict(positive, mic="ZGlmZg==, sha-256")))
        assert gw.store.get(a3["id"])["receipt_status"] == "accepted_with_errors"
    finally:
        gw.close()


def test_accept_streams_a_large_file_into_the_archive(home, tmp_path):
    import hashlib
    import tracemalloc

    from edi_mailbox.base import InboundFile
    one = home.render("acme-parts", ship_notice("PO-1", "ASN-1"), number=503)
    big = tmp_path / "big.x12"
    with open(big, "wb") as fh:
        for _ in range(32 * 1024 * 1024 // len(one) + 1):
            fh.write(one)
    size = big.stat().st_size
    gw = home.gateway()
    try:
        offer = InboundFile("acme-parts", f"folder:{home.inbox('acme-parts')}", "big.x12",
                            path=str(big), size=size)
        tracemalloc.start()
        try:
            accepted = gw.engine.accept(offer)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8 * 1024 * 1024, f"accept held {peak} bytes for a {size}-byte file"
        [doc] = _docs(gw, flow="inbound")
        assert str(doc["id"]) == accepted.document_id and doc["standard"] == "x12"
        h = hashlib.sha256()
        with gw.archive.open(doc["raw_sha256"]) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        assert doc["raw_sha256"] == h.hexdigest() == hashlib.sha256(big.read_bytes()).hexdigest()
    finally:
        gw.close()
