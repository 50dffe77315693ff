"""Exact messages for structural mistakes (YAML syntax and JSON Schema)."""
from __future__ import annotations

from pathlib import Path

from gateway.profiles.checks import check_bytes

from profile_samples import BASE, NOW, SFTP  # type: ignore[import-not-found]


def messages(text: str, name: str = "acme.yaml", env=None) -> list[str]:
    path = Path("/profiles") / name
    result = check_bytes(text.encode(), path, env=env or {}, now=NOW, display=f"pp/{name}")
    return [str(p) for p in result.problems]


def test_base_profile_is_clean():
    result = check_bytes(BASE.encode(), Path("/profiles/acme.yaml"), env={}, now=NOW)
    assert result.problems == ()
    assert result.profile is not None and result.profile.name == "acme"


def test_unknown_key_suggests_the_right_one():
    text = BASE.replace("    isa_id: ACMEPARTS", "    isa_idd: ACMEPARTS")
    assert messages(text) == [
        "pp/acme.yaml:7:5: identities.partner.isa_id: missing: add `isa_id:` (ISA06/ISA08 "
        "interchange ID, up to 15 characters)",
        "pp/acme.yaml:8:5: identities.partner.isa_idd: unknown key 'isa_idd': did you mean "
        "'isa_id'? (allowed here: gs_id, isa_id, isa_qualifier)",
    ]


def test_unknown_top_level_key():
    text = BASE + "shedule:\n  tier: realtime\n"
    assert messages(text) == [
        "pp/acme.yaml:28:1: shedule: unknown key 'shedule': did you mean 'schedule'? (allowed "
        "here: acknowledgments, code_maps, description, documents, enabled, envelope, erp, "
        "identities, name, schedule, standard, transport)"]


def test_wrong_type():
    text = BASE.replace("    inbox: /srv/edi/acme/in", "    inbox: 42")
    text = text.replace("  type: folder\n", "  type: folder\n")
    assert messages(text) == [
        "pp/acme.yaml:20:12: transport.folder.inbox: expected text, got a number (42): put the "
        "value in quotes so leading zeros and letters survive"]


def test_wrong_type_boolean_and_block():
    text = BASE.replace("name: acme\n", "name: acme\nenabled: yes please\n")
    text = text.replace("erp:\n  partner_ref: ACME\n", "erp: ACME\n")
    assert messages(text) == [
        "pp/acme.yaml:2:10: enabled: expected true or false, got text ('yes please'): write "
        "true or false (no quotes)",
        "pp/acme.yaml:4:6: erp: expected a block of settings, got text ('ACME'): indent the "
        "settings for this key below it (key: value per line)"]


def test_missing_required_top_level():
    text = BASE.replace("standard: x12\n", "")
    assert messages(text) == ["pp/acme.yaml:1:1: standard: missing: add `standard:` (x12 or edifact)"]


def test_missing_host_key():
    text = SFTP.replace('    host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICxnPZFMWj8bMuhJgzvKYXV4'
                        'KqnLYc3rO31hlqJit0LL"\n', "")
    assert messages(text, env={"ACME_KEY": "k"}) == [
        "pp/acme.yaml:20:5: transport.sftp.host_key: missing: pin the server's host key "
        "(ssh-keyscan -t ed25519 HOST) as \"ssh-ed25519 AAAA...\""]


def test_transport_block_missing_for_type():
    text = BASE.replace("  type: folder\n", "  type: as2\n")
    assert messages(text) == [
        "pp/acme.yaml:6:3: identities.as2: missing: add `as2:` (AS2-From/AS2-To names)",
        "pp/acme.yaml:18:3: transport.as2: missing: add `as2:` (AS2: the partner's URL and "
        "certificates, our certificate and key, algorithms and MDN)",
    ]


def test_unknown_enum_value_suggests():
    text = BASE.replace("    direction: receive", "    direction: recieve")
    assert messages(text) == [
        "pp/acme.yaml:14:16: documents.order_response.direction: unknown value 'recieve': did "
        "you mean 'receive'? (one of send, receive)"]


def test_version_depends_on_standard():
    text = BASE.replace('    version: "004010"', "    version: D96A")
    assert messages(text) == [
        "pp/acme.yaml:15:14: documents.order_response.version: unknown value 'D96A': use 004010 "
        "or 005010 (in quotes)"]


def test_unknown_document_type():
    text = BASE.replace("  order_response:", "  order_respons:")
    assert messages(text) == [
        "pp/acme.yaml:13:3: documents.order_respons: unknown document type 'order_respons': did "
        "you mean 'order_response'? (one of purchase_order, order_response, ship_notice)"]


def test_literal_secret_is_refused_and_never_echoed():
    text = SFTP.replace("    key: env:ACME_KEY", "    key: hunter2-secret")
    msgs = messages(text)
    assert msgs == [
        "pp/acme.yaml:22:10: transport.sftp.key: a literal secret is not allowed: store it in an "
        "environment variable or in a file only the gateway can read, and write env:NAME or "
        "file:PATH here"]
    assert "hunter2" not in " ".join(msgs)


def test_bad_duration_and_pattern():
    text = BASE + "acknowledgments:\n  expect_within: 4 hours\n"
    assert messages(text) == [
        "pp/acme.yaml:29:18: acknowledgments.expect_within: '4 hours' is not valid here: write a "
        "number and a unit: 30s, 5m, 4h or 2d"]


def test_unquoted_time_is_reported():
    text = BASE + "schedule:\n  tier: batch\n  times: [06:30]\n"
    # YAML 1.1 reads 06:30 unquoted as text here, but 6:30 as the number 390
    assert messages(text) == []
    text = BASE + "schedule:\n  tier: batch\n  times: [6:30]\n"
    assert messages(text) == [
        "pp/acme.yaml:30:11: schedule.times[0]: expected text, got a number (390): write times "
        "as HH:MM in quotes, e.g. \"06:30\""]


def test_bad_yaml_syntax():
    text = BASE.replace("    isa_id: OURCO", "    isa_id: OURCO\n   gs_id: X")
    assert messages(text) == [
        "pp/acme.yaml:12:4: YAML syntax error: while parsing a block mapping, did not find "
        "expected key (the block begins at line 6): check indentation, colons and quotes on "
        "this line and the one above"]


def test_unknown_tag_on_a_key_is_a_problem_not_a_crash():
    """Found by the long profile fuzz test: a `!tag` in front of a key."""
    text = BASE.replace("  partner_ref: ACME", "  !n partner_ref: ACME")
    assert messages(text) == [
        "pp/acme.yaml:4:3: erp: unreadable key: could not determine a constructor for the tag "
        "'!n': write the key as a plain name (no `!` before it)"]


def test_unclosed_quote():
    text = BASE.replace("  partner_ref: ACME", '  partner_ref: "ACME')
    assert messages(text) == [
        "pp/acme.yaml:7:21: YAML syntax error: while parsing a block mapping, did not find "
        "expected key (the block begins at line 4): check indentation, colons and quotes on "
        "this line and the one above"]


def test_duplicate_key():
    text = BASE.replace("  partner_ref: ACME\n", "  partner_ref: ACME\n  partner_ref: ACME2\n")
    assert messages(text) == [
        "pp/acme.yaml:5:3: erp.partner_ref: duplicate key (first at line 4): keep one of the two "
        "entries; YAML would silently use the last one"]


def test_not_utf8():
    result = check_bytes(BASE.encode() + b"# caf\xe9\n", Path("/p/acme.yaml"), env={}, now=NOW,
                         display="acme.yaml")
    assert [str(p) for p in result.problems] == [
        "acme.yaml:28:6: the file is not UTF-8 text: save it as UTF-8 (editors offer this under "
        "'encoding')"]


def test_empty_and_non_mapping_files():
    assert messages("") == ["pp/acme.yaml:1:1: expected a block of settings, got nothing: indent "
                            "the settings for this key below it (key: value per line)"]
    assert messages("- a\n- b\n") == [
        "pp/acme.yaml:1:1: expected a block of settings, got a list: indent the settings for "
        "this key below it (key: value per line)"]


def test_placeholders_are_named_and_mask_schema_errors():
    text = BASE.replace('    isa_qualifier: "ZZ"\n    isa_id: ACMEPARTS',
                        '    isa_qualifier: "<fill in: ISA05 qualifier, e.g. ZZ>"\n'
                        '    isa_id: ACMEPARTS')
    assert messages(text) == [
        "pp/acme.yaml:7:20: identities.partner.isa_qualifier: placeholder not filled in: ISA05 "
        "qualifier, e.g. ZZ"]
