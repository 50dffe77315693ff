"""AS2 certificate validity: expired / not yet valid partner certificates, rollover, expiry
report.  Certificates are generated here with chosen validity periods."""
from __future__ import annotations

import datetime as dt
import pathlib
import sys

import pytest
from asn1crypto import cms as acms

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from as2_fixtures import as2_profile, make_identity  # noqa: E402
from edi_mailbox.as2 import certs, cms, mdn, receive as rx  # noqa: E402
from edi_mailbox.as2.client import As2Mailbox  # noqa: E402
from edi_mailbox.as2.errors import As2Error  # noqa: E402
from edi_mailbox.as2.keys import certificate_report  # noqa: E402
from edi_mailbox.as2.message import Security, build  # noqa: E402
from gateway.errors import PermanentError, SecurityError  # noqa: E402

NOW = dt.datetime.now(dt.timezone.utc)
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def ids(tmp_path_factory):
    d = tmp_path_factory.mktemp("as2certs")
    us = make_identity(d, "us", not_after=NOW + 400 * DAY)
    new = make_identity(d, "them-new")
    return {
        "dir": d, "us": us, "new": new,
        "expired": make_identity(d, "them-expired", not_before=NOW - 400 * DAY,
                                 not_after=NOW - 10 * DAY),
        "future": make_identity(d, "them-future", not_before=NOW + 5 * DAY,
                                not_after=NOW + 400 * DAY),
        "soon": make_identity(d, "them-soon", not_after=NOW + 3 * DAY),
    }


def party(ids, *partner_certs):
    return rx.Party(name="acme", partner_id="THEM", our_id="US",
                    partner_certificates=tuple(ids[n].cert for n in partner_certs),
                    our_certificate=ids["us"].cert, our_key=ids["us"].key)


def message(ids, signer, payload=b"UNB+UNOC:3'"):
    return build(payload, filename="o.edi", content_type="application/edifact", as2_from="THEM",
                 as2_to="US", security=Security(), sign_key=ids[signer].key,
                 sign_cert=ids[signer].cert, recipients=(ids["us"].cert,))


def receive(ids, msg, p, now=None):
    return rx.receive(dict(msg.headers), msg.body, lambda f, t: p, now=now)


def test_state_describe_and_reason(ids):
    exp = ids["expired"].cert
    assert certs.state(exp, NOW) == certs.EXPIRED
    assert certs.state(ids["future"].cert, NOW) == certs.NOT_YET_VALID
    assert certs.state(ids["new"].cert, NOW) == certs.VALID
    reason = certs.why_unusable(exp, NOW)
    assert "CN=them-expired" in reason and f"serial {exp.serial_number:x}" in reason
    assert f"expired on {exp.not_valid_after_utc:%Y-%m-%d}" in reason
    assert f"valid {exp.not_valid_before_utc:%Y-%m-%d}" in reason
    assert certs.why_unusable(ids["new"].cert, NOW) is None


@pytest.mark.parametrize("signer,kind,words", [
    ("expired", "certificate-expired", "expired on"),
    ("future", "certificate-not-yet-valid", "is not valid before")])
def test_signature_by_invalid_certificate_is_authentication_failed(ids, signer, kind, words):
    got = receive(ids, message(ids, signer), party(ids, signer))
    assert isinstance(got, rx.Refused)
    assert got.disposition == "authentication-failed" and got.kind == kind
    cert = ids[signer].cert
    assert "partner acme" in got.message and f"CN=them-{signer}" in got.message
    assert f"serial {cert.serial_number:x}" in got.message and words in got.message
    reply = rx.answer(got)  # the negative MDN says so, and is signed by us
    receipt = mdn.parse(dict(reply.headers)["Content-Type"], reply.body, [ids["us"].cert],
                        require_signed=True)
    assert receipt.disposition.endswith("processed/error: authentication-failed")


def test_the_same_message_verifies_while_the_certificate_was_valid(ids):
    msg = message(ids, "expired")
    then = NOW - 100 * DAY
    got = receive(ids, msg, party(ids, "expired"), now=then)
    assert isinstance(got, rx.Delivered), got


def test_rollover_signed_with_the_valid_one_of_two(ids):
    p = party(ids, "expired", "new")
    got = receive(ids, message(ids, "new"), p)
    assert isinstance(got, rx.Delivered) and got.payload == b"UNB+UNOC:3'"
    refused = receive(ids, message(ids, "expired"), p)  # the old key must no longer sign
    assert isinstance(refused, rx.Refused) and refused.kind == "certificate-expired"


def test_reissued_certificate_same_key_expired_copy_refused(ids):
    old = make_identity(ids["dir"], "same-key-old", key=ids["new"].key,
                        not_before=NOW - 50 * DAY, not_after=NOW - DAY)
    # signer identifies by the new certificate; our profile still has only the old one
    got = receive(ids, message(ids, "new"), rx.Party(
        name="acme", partner_id="THEM", our_id="US", partner_certificates=(old.cert,),
        our_certificate=ids["us"].cert, our_key=ids["us"].key))
    assert isinstance(got, rx.Refused) and got.disposition == "authentication-failed"
    assert "CN=same-key-old" in got.message


def test_async_mdn_signed_by_expired_certificate_refused(ids):
    reply = mdn.build(original_message_id="<m1@us>", sender="THEM", recipient="US",
                      disposition_text=mdn.disposition(), mic="abc, sha-256", text="ok",
                      sign_key=ids["expired"].key, sign_cert=ids["expired"].cert)
    got = rx.receive(dict(reply.headers), reply.body, lambda f, t: party(ids, "expired"))
    assert isinstance(got, rx.Refused) and got.kind == "certificate-expired"


def test_usable_picks_valid_and_names_all_when_none(ids):
    chosen = certs.usable("acme", (ids["expired"].cert, ids["new"].cert), NOW, purpose="encrypt to")
    assert chosen == (ids["new"].cert,)
    with pytest.raises(As2Error) as err:
        certs.usable("acme", (ids["expired"].cert, ids["future"].cert), NOW, purpose="encrypt to")
    text = str(err.value)
    assert err.value.disposition == "insufficient-message-security"
    assert "partner acme" in text and "CN=them-expired" in text and "CN=them-future" in text
    for n in ("expired", "future"):
        assert f"serial {ids[n].cert.serial_number:x}" in text


def _profile(ids, name, partner_certs, **kw):
    return as2_profile(ids["dir"], name=name, partner_id="THEM", our_id="US",
                       partner_certs=[ids[n].cert_path for n in partner_certs], our=ids["us"],
                       url="http://127.0.0.1:1/as2", **kw)


def test_send_refuses_to_encrypt_to_expired_certificate(ids):
    box = As2Mailbox(_profile(ids, "only-expired", ["expired"]), env={})
    with pytest.raises(PermanentError) as err:
        box.send("o.edi", b"data")
    text = str(err.value)
    assert "only-expired" in text and "CN=them-expired" in text and "expired on" in text
    assert f"serial {ids['expired'].cert.serial_number:x}" in text


def test_send_encrypts_to_the_valid_certificate_only(ids, monkeypatch):
    box = As2Mailbox(_profile(ids, "rollover", ["expired", "new"]), env={})
    sent = {}

    def fake_post(headers, body):
        sent["body"] = body
        raise PermanentError("stop here")

    monkeypatch.setattr(box, "_post", fake_post)
    with pytest.raises(PermanentError, match="stop here"):
        box.send("o.edi", b"data")
    info = acms.ContentInfo.load(sent["body"])
    serials = [ri.chosen["rid"].chosen["serial_number"].native
               for ri in info["content"]["recipient_infos"]]
    assert serials == [ids["new"].cert.serial_number]
    inner = cms.decrypt(sent["body"], ids["new"].key, ids["new"].cert)
    assert b"data" in inner


def test_send_refuses_with_our_expired_certificate(ids):
    later = NOW + 500 * DAY  # our certificate (400 days) has expired by then
    future_partner = make_identity(ids["dir"], "them-far", not_after=NOW + 900 * DAY)
    profile = as2_profile(ids["dir"], name="ours-expired", partner_id="THEM", our_id="US",
                          partner_certs=[future_partner.cert_path], our=ids["us"],
                          url="http://127.0.0.1:1/as2")
    box = As2Mailbox(profile, env={}, clock=lambda: later)
    with pytest.raises(PermanentError, match="our signing certificate .*CN=us"):
        box.send("o.edi", b"data")


def test_sync_mdn_signed_by_expired_certificate_is_security_error(ids):
    box = As2Mailbox(_profile(ids, "mdn-expired", ["expired", "new"]), env={})
    mic = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=, sha-256"
    reply = mdn.build(original_message_id="<m2@us>", sender="THEM", recipient="US",
                      disposition_text=mdn.disposition(), mic=mic, text="ok",
                      sign_key=ids["expired"].key, sign_cert=ids["expired"].cert)
    with pytest.raises(SecurityError, match="expired on"):
        box.read_mdn(dict(reply.headers)["Content-Type"], reply.body, "<m2@us>", mic)
    good = mdn.build(original_message_id="<m2@us>", sender="THEM", recipient="US",
                     disposition_text=mdn.disposition(), mic=mic, text="ok",
                     sign_key=ids["new"].key, sign_cert=ids["new"].cert)
    assert box.read_mdn(dict(good.headers)["Content-Type"], good.body, "<m2@us>", mic).ok


def test_certificate_report_for_status(ids, tmp_path):
    profiles = [_profile(ids, "p1", ["expired", "new"]), _profile(ids, "p2", ["soon", "future"])]
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate")
    profiles.append(as2_profile(ids["dir"], name="p3", partner_id="X", our_id="US",
                                partner_certs=[broken], our=ids["us"], url="http://127.0.0.1:1/"))
    report = certificate_report(profiles, within_days=7, at=NOW)
    got = {(s.partner, s.subject, s.state) for s in report.certificates}
    assert got == {("p1", "CN=them-expired", "expired"), ("p2", "CN=them-soon", "expiring"),
                   ("p2", "CN=them-future", "not-yet-valid")}
    soon = next(s for s in report.certificates if s.subject == "CN=them-soon")
    assert soon.days_left in (2, 3) and "expires in" in str(soon) and "p2" in str(soon)
    assert report.certificates[0].subject == "CN=them-expired"  # soonest expiry first
    assert len(report.problems) == 1 and "p3" in report.problems[0] and "broken.pem" in \
        report.problems[0]
    everything = certificate_report(profiles[:1], within_days=7, at=NOW, include_valid=True)
    assert {s.role for s in everything.certificates} == {"partner", "ours"}
    assert len(everything.certificates) == 3
    wider = certificate_report(profiles[:1], within_days=500, at=NOW)
    assert {s.subject for s in wider.certificates} == {"CN=them-expired", "CN=them-new", "CN=us"}


def test_status_command_flags_partners_without_a_valid_certificate(ids):
    from gateway.commands import _certificate_status
    rollover = _profile(ids, "p1", ["expired", "new"])  # old one expired, successor valid
    stranded = _profile(ids, "p4", ["expired"])  # nothing valid: messages would be refused
    out = _certificate_status([rollover, stranded], 7)
    assert {(a["partner"], a["state"]) for a in out["attention"]} == {
        ("p1", "expired"), ("p4", "expired")}
    assert len(out["problems"]) == 1
    assert "p4" in out["problems"][0] and "partner_certificates" in out["problems"][0]
    assert _certificate_status([rollover], 7)["problems"] == []
