"""Resolving inbound interchanges to exactly one profile."""
from __future__ import annotations

from pathlib import Path

import yaml

from translators.edifact import events as ed
from translators.x12 import events as x12

from gateway.profiles.checks import check_bytes
from gateway.profiles.identity import (Channel, InboundEnvelope, Rejected, Resolved, resolve,
                                       resolve_as2)
from gateway.profiles.model import Profile, build_profile

from profile_samples import AS2, BASE, NOW, SFTP


def load(text: str, name: str) -> Profile:
    """Build a profile; certificates and secrets are not checked here (see test_meaning)."""
    text = text.replace("name: acme", f"name: {name}").replace("name: nord", f"name: {name}")
    result = check_bytes(text.encode(), Path(f"/profiles/{name}.yaml"),
                         env={"ACME_KEY": "k"}, now=NOW)
    assert all("certificate" in p.message or "file:" in p.message for p in result.problems)
    return build_profile(yaml.safe_load(text), Path(f"/profiles/{name}.yaml"), result.digest)


ACME = load(BASE, "acme")
ACME_SFTP = load(SFTP.replace("ACMEPARTS", "ACMESFTP"), "acme-sftp")
EAST = load(BASE.replace("    isa_id: ACMEPARTS", "    isa_id: SHARED\n    gs_id: EAST")
            .replace("/acme/", "/east/"), "east")
WEST = load(BASE.replace("    isa_id: ACMEPARTS", "    isa_id: SHARED\n    gs_id: WEST")
            .replace("/acme/", "/west/"), "west")


def x12_envelope(sender="ACMEPARTS", receiver="OURCO", gs=None, qual="ZZ") -> InboundEnvelope:
    delims = x12.Delimiters()
    isa = x12.InterchangeStart(
        offset=0, isa=x12.Segment("ISA", ["ISA"], 0, 0), delimiters=delims,
        control_number="000000905", sender_qualifier=qual, sender_id=sender.ljust(15),
        receiver_qualifier="ZZ", receiver_id=receiver.ljust(15), date="261128", time="1200",
        version="00401", ack_requested=False, usage="P")
    group = None
    if gs is not None:
        group = x12.GroupStart(offset=106, gs=x12.Segment("GS", ["GS"], 106, 0),
                               functional_id="PR", sender=gs[0], receiver=gs[1],
                               control_number="1", version="004010")
    return InboundEnvelope.from_x12(isa, group)


def test_resolves_by_isa():
    result = resolve([ACME, ACME_SFTP], x12_envelope())
    assert result == Resolved(ACME)


def test_gs_ids_pick_between_partners_sharing_an_isa_id():
    profiles = [ACME, EAST, WEST]
    assert resolve(profiles, x12_envelope("SHARED", gs=("WEST", "OURCO"))) == Resolved(WEST)
    assert resolve(profiles, x12_envelope("SHARED", gs=("EAST", "OURCO"))) == Resolved(EAST)
    ambiguous = resolve(profiles, x12_envelope("SHARED"))
    assert isinstance(ambiguous, Rejected)
    assert ambiguous.reason == "ambiguous"
    assert ambiguous.candidates == ("east", "west")
    assert ambiguous.ack is None and ambiguous.quarantine
    assert ambiguous.message == ("ambiguous sender: profiles east, west all match; tell them "
                                 "apart (e.g. by GS application IDs) and run profile check")
    unknown_gs = resolve(profiles, x12_envelope("SHARED", gs=("NORTH", "OURCO")))
    assert isinstance(unknown_gs, Rejected) and unknown_gs.reason == "unknown_sender"
    assert (unknown_gs.ack.field, unknown_gs.ack.code) == ("AK905", "1")


def test_unknown_sender_names_what_was_searched_and_builds_a_ta1_finding():
    result = resolve([ACME, ACME_SFTP], x12_envelope("STRANGER"), Channel.folder("/srv/x"))
    assert isinstance(result, Rejected)
    assert result.reason == "unknown_sender"
    assert result.searched == ("X12 sender ZZ/STRANGER to receiver ZZ/OURCO, arrived over folder "
                               "channel /srv/x; searched 2 x12 profiles")
    assert result.message == ("unknown sender: no profile has X12 sender ZZ/STRANGER to receiver "
                              "ZZ/OURCO, arrived over folder channel /srv/x")
    assert (result.ack.field, result.ack.code) == ("TA105", "006")
    assert result.ack.position.interchange == "000000905"
    assert result.security_event is None and result.quarantine


def test_qualifier_is_part_of_the_identity():
    result = resolve([ACME], x12_envelope(qual="01"))
    assert isinstance(result, Rejected) and result.reason == "unknown_sender"


def test_unknown_receiver():
    result = resolve([ACME], x12_envelope(receiver="SOMEONEELSE"))
    assert isinstance(result, Rejected)
    assert result.reason == "unknown_receiver"
    assert (result.ack.field, result.ack.code) == ("TA105", "008")
    assert result.candidates == ("acme",)


def test_channel_mismatch_is_a_security_event():
    # the file came over ACME-SFTP's account but the envelope names ACME
    channel = Channel.sftp("ourco", "sftp.acme.example", 22)
    result = resolve([ACME, ACME_SFTP], x12_envelope(), channel)
    assert isinstance(result, Rejected)
    assert result.reason == "channel_mismatch"
    assert result.ack is None  # nothing is sent back to an impostor
    event = result.security_event
    assert event is not None
    assert (event.kind, event.channel_owner, event.claimed_profile) == (
        "channel_mismatch", "acme-sftp", "acme")
    assert event.message == ("channel mismatch: the file arrived over partner acme-sftp's sftp "
                             "channel ourco@sftp.acme.example:22 but its envelope names partner "
                             "acme")
    # over its own channel it resolves
    own = resolve([ACME, ACME_SFTP], x12_envelope("ACMESFTP"), channel)
    assert own == Resolved(ACME_SFTP)
    folder = resolve([ACME, ACME_SFTP], x12_envelope(), Channel.folder("/srv/edi/acme/in/"))
    assert folder == Resolved(ACME)


def test_channel_nobody_owns_is_rejected():
    result = resolve([ACME], x12_envelope(), Channel.folder("/tmp/elsewhere"))
    assert isinstance(result, Rejected) and result.reason == "channel_mismatch"
    assert result.security_event.channel_owner is None
    assert result.message == ("channel mismatch: the file arrived over a folder channel "
                              "/tmp/elsewhere but its envelope names partner acme")


def test_disabled_profile_is_refused():
    disabled = load(BASE.replace("standard: x12", "standard: x12\nenabled: false"), "acme")
    result = resolve([disabled], x12_envelope())
    assert isinstance(result, Rejected) and result.reason == "disabled"


NORD = load(AS2, "nord")


def edifact_envelope(sender="4001234000008", qualifier="14") -> InboundEnvelope:
    unb = ed.InterchangeStart(
        offset=0, unb=None, chars=ed.ServiceChars(), una=True, syntax_id="UNOC",
        syntax_version="3", sender_id=sender, sender_qualifier=qualifier,
        receiver_id="4001234000015", receiver_qualifier="14", date="261128", time="1200",
        control_reference="42", application_reference="", ack_requested=True, test=False,
        encoding="latin-1")
    return InboundEnvelope.from_edifact(unb)


def test_edifact_resolution_and_contrl_codes():
    assert resolve([ACME, NORD], edifact_envelope(), Channel.as2("NORD-AS2", "OURCO-AS2")) == \
        Resolved(NORD)
    unknown = resolve([ACME, NORD], edifact_envelope("4009999999999"),
                      Channel.as2("NORD-AS2", "OURCO-AS2"))
    assert isinstance(unknown, Rejected)
    assert (unknown.ack.field, unknown.ack.code) == ("UCI0085", "23")
    assert unknown.as2_disposition == "processed/error: unknown-trading-partner"
    assert unknown.searched == ("EDIFACT sender 4009999999999:14 to recipient 4001234000015:14, "
                                "arrived over AS2 from 'NORD-AS2' to 'OURCO-AS2'; searched 1 "
                                "edifact profile")
    wrong_qualifier = resolve([NORD], edifact_envelope(qualifier="ZZZ"))
    assert isinstance(wrong_qualifier, Rejected)


def test_as2_channel_mismatch():
    other = load(AS2.replace("NORD-AS2", "SUD-AS2").replace("4001234000008", "4001234000022"),
                 "sud")
    result = resolve([NORD, other], edifact_envelope(), Channel.as2("SUD-AS2", "OURCO-AS2"))
    assert isinstance(result, Rejected) and result.reason == "channel_mismatch"
    assert result.security_event.channel_owner == "sud"
    assert result.as2_disposition == "processed/error: authentication-failed"


def test_resolve_as2_headers():
    assert resolve_as2([NORD, ACME], "NORD-AS2", "OURCO-AS2") == Resolved(NORD)
    unknown = resolve_as2([NORD], "NORD-AS2", "SOMEONE")
    assert isinstance(unknown, Rejected)
    assert unknown.message == ("unknown trading partner: no profile has AS2-From 'NORD-AS2' and "
                               "AS2-To 'SOMEONE'")
    assert unknown.as2_disposition == "processed/error: unknown-trading-partner"
