"""Waiting for async MDNs (sans-I/O): matching by Message-ID, partner and MIC; overdue."""
from __future__ import annotations

import datetime as dt
import json

from edi_mailbox.as2 import mic as _mic, tracking
from edi_mailbox.base import Receipt

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
MIC = _mic.compute(b"the signed entity", "sha256")
OTHER_MIC = _mic.compute(b"something else", "sha256")


def sent(n, partner="acme", wait=dt.timedelta(minutes=30), at=T0):
    return tracking.SentMessage(partner, f"<m{n}@us>", MIC, at, wait)


def receipt(n, *, ok=True, mic=MIC, partner="acme", message_id=None):
    disp = ("automatic-action/MDN-sent-automatically; processed" if ok else
            "automatic-action/MDN-sent-automatically; processed/error: decryption-failed")
    return Receipt(message_id or f"<m{n}@us>", disp, ok, mic, signed=True, partner=partner)


def test_positive_mdn_with_our_mic_matches():
    pending = {s.key: s for s in (sent(1), sent(2))}
    out = tracking.match(receipt(2), pending)
    assert isinstance(out, tracking.MdnMatched)
    assert out.sent.message_id == "<m2@us>" and out.receipt.mic_matches is True


def test_mic_spelled_differently_still_matches_and_ids_without_brackets():
    b64, _ = MIC.split(",")
    out = tracking.match(receipt(1, mic=f"{b64},SHA256", message_id=" m1@us "), [sent(1)])
    assert isinstance(out, tracking.MdnMatched)


def test_mic_mismatch_and_negative_disposition():
    out = tracking.match(receipt(1, mic=OTHER_MIC), [sent(1)])
    assert isinstance(out, tracking.MdnNegative) and out.receipt.mic_matches is False
    assert "differs from ours" in out.reason and "acme" in out.reason
    out = tracking.match(receipt(1, ok=False), [sent(1)])
    assert isinstance(out, tracking.MdnNegative) and "decryption-failed" in out.reason
    out = tracking.match(receipt(1, mic=None), [sent(1)])
    assert isinstance(out, tracking.MdnNegative)  # a positive MDN must echo the MIC


def test_unknown_message_and_wrong_partner_are_unmatched():
    out = tracking.match(receipt(9), [sent(1)])
    assert isinstance(out, tracking.MdnUnmatched) and "<m9@us>" in out.reason
    out = tracking.match(receipt(1, partner="intruder"), [sent(1)])
    assert isinstance(out, tracking.MdnUnmatched)
    assert "intruder" in out.reason and "acme" in out.reason
    # a receipt without a partner (read outside our server) is matched by id and MIC alone
    assert isinstance(tracking.match(receipt(1, partner=None), [sent(1)]), tracking.MdnMatched)


def test_overdue_after_the_profile_wait():
    pending = [sent(1), sent(2, wait=dt.timedelta(hours=2)), sent(3, wait=None),
               sent(4, at=T0 - dt.timedelta(hours=1))]
    assert tracking.overdue(pending, T0 + dt.timedelta(minutes=30)) == [
        tracking.MdnOverdueNotice(pending[3], dt.timedelta(hours=1))]
    late = tracking.overdue(pending, T0 + dt.timedelta(hours=3))
    # m4 due T0-30m, m1 due T0+30m, m2 due T0+2h; m3 waits for ever
    assert [n.sent.message_id for n in late] == ["<m4@us>", "<m1@us>", "<m2@us>"]
    assert [n.overdue_by for n in late] == [dt.timedelta(hours=h) for h in (3.5, 2.5, 1)]
    text = str(late[1])
    assert "acme" in text and "<m1@us>" in text and "resend" in text


def test_due_by_follows_the_profile_wait():
    assert sent(1).due_by == T0 + dt.timedelta(minutes=30)
    assert sent(2, wait=None).due_by is None  # wait for ever


def test_record_round_trip_through_json():
    for s in (sent(1), sent(2, wait=None)):
        back = tracking.SentMessage.from_record(json.loads(json.dumps(s.to_record())))
        assert back == s
    naive = dict(sent(1).to_record(), sent_at="2026-12-01T12:00:00")
    assert tracking.SentMessage.from_record(naive).sent_at == T0
