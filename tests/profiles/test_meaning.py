"""Exact messages for mistakes of meaning: code maps, secrets, certificates, host keys,
duplicates across profiles."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from gateway.profiles.checks import check_bytes, check_file, check_set, gln_check_digit

from profile_samples import AS2, BASE, NOW, SFTP, key_pem, make_cert


def messages(text: str, name: str = "acme.yaml", env=None, folder: Path = Path("/profiles"),
             now: dt.datetime = NOW) -> list[str]:
    result = check_bytes(text.encode(), folder / name, env=env or {}, now=now,
                         display=f"pp/{name}")
    return [str(p) for p in result.problems]


def test_unknown_unit_code_and_odoo_unit():
    text = BASE.replace("    EA: uom.product_uom_unit",
                        "    EAA: uom.product_uom_unit\n    KGM: uom.product_uom_kilo")
    assert messages(text) == [
        "pp/acme.yaml:24:5: code_maps.units.EAA: unknown unit code 'EAA': did you mean 'EA'? use "
        "a UN/ECE Rec. 20 or X12 unit code (EA, PCE, CA, KGM...)",
        "pp/acme.yaml:25:10: code_maps.units.KGM: unknown Odoo unit 'uom.product_uom_kilo': did "
        "you mean 'uom.product_uom_mile'? use an XML ID Odoo defines (Settings > Technical > "
        "External Identifiers) or the unit's name"]


def test_unit_by_name_is_accepted():
    text = BASE.replace("    EA: uom.product_uom_unit", '    CA: "Box of 12"')
    assert messages(text) == []


def test_unknown_product_strategy_and_scheme():
    text = BASE.replace("    - scheme: vendor\n      odoo: supplierinfo",
                        "    - scheme: vendr\n      odoo: default-code\n"
                        "    - scheme: x12:MG\n      odoo: barcode")
    assert messages(text) == [
        "pp/acme.yaml:26:15: code_maps.products[0].scheme: unknown product identification scheme "
        "'vendr': did you mean 'vendor'? use buyer, vendor, gtin, manufacturer, sku (or a raw "
        "qualifier as x12:XX / edifact:XX)",
        "pp/acme.yaml:27:13: code_maps.products[0].odoo: unknown product strategy 'default-code': "
        "did you mean 'default_code'? use default_code (Internal Reference), barcode, or "
        "supplierinfo (the vendor's product code on the product's Purchase tab)",
    ]


def test_unresolvable_env_reference():
    assert messages(SFTP) == [
        "pp/acme.yaml:22:10: transport.sftp.key: cannot resolve env:ACME_KEY: environment "
        "variable ACME_KEY is not set: set ACME_KEY in the gateway's environment (e.g. in its "
        "systemd unit), or use file:PATH"]
    assert messages(SFTP, env={"ACME_KEY": "-----BEGIN..."}) == []


def test_unresolvable_file_reference(tmp_path):
    text = SFTP.replace("    key: env:ACME_KEY", "    key: file:keys/acme_ed25519")
    assert messages(text, folder=tmp_path) == [
        f"pp/acme.yaml:22:10: transport.sftp.key: cannot resolve file:keys/acme_ed25519: file "
        f"{tmp_path}/keys/acme_ed25519 does not exist: create it or correct the path (relative "
        f"paths start at the profile's folder)"]
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "acme_ed25519").write_text("key")
    assert messages(text, folder=tmp_path) == []


def test_file_reference_to_a_directory(tmp_path):
    (tmp_path / "keys").mkdir()
    text = SFTP.replace("    key: env:ACME_KEY", "    key: file:keys")
    assert messages(text, folder=tmp_path) == [
        f"pp/acme.yaml:22:10: transport.sftp.key: cannot resolve file:keys: {tmp_path}/keys is a "
        f"directory, not a file: point file: at the file that holds the secret"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file (CI runs as root)")
def test_unreadable_file_reference(tmp_path):
    key = tmp_path / "k"
    key.write_text("key")
    key.chmod(0)
    text = SFTP.replace("    key: env:ACME_KEY", f"    key: file:{key}")
    assert messages(text, folder=tmp_path) == [
        f"pp/acme.yaml:22:10: transport.sftp.key: cannot resolve file:{key}: file {key} is not "
        f"readable (Permission denied): give the gateway's user read access to it (chmod 600, "
        f"owned by that user)"]


def test_malformed_env_reference():
    text = SFTP.replace("    key: env:ACME_KEY", "    key: env:ACME-KEY")
    assert messages(text) == [
        "pp/acme.yaml:22:10: transport.sftp.key: 'ACME-KEY' is not an environment variable name: "
        "write env:NAME (an environment variable) or file:PATH"]


def test_invalid_host_key():
    text = SFTP.replace("AAAAC3NzaC1lZDI1NTE5AAAAICxnPZFMWj8bMuhJgzvKYXV4KqnLYc3rO31hlqJit0LL",
                        "AAAAnotakey")
    assert messages(text, env={"ACME_KEY": "k"}) == [
        "pp/acme.yaml:23:15: transport.sftp.host_key: not an SSH public key of type "
        "'ssh-ed25519': pin the server's host key (ssh-keyscan -t ed25519 HOST) as \"ssh-ed25519 "
        "AAAA...\", without the host name ssh-keyscan prints first"]


def test_host_key_with_host_name_prefix():
    text = SFTP.replace('host_key: "ssh-ed25519', 'host_key: "sftp.acme.example ssh-ed25519')
    assert messages(text, env={"ACME_KEY": "k"}) == [
        "pp/acme.yaml:23:15: transport.sftp.host_key: not an SSH public key of type "
        "'sftp.acme.example': pin the server's host key (ssh-keyscan -t ed25519 HOST) as "
        "\"ssh-ed25519 AAAA...\", without the host name ssh-keyscan prints first"]


def test_as2_profile_with_good_certificates(as2_dir):
    result = check_file(as2_dir / "nord.yaml", env={}, now=NOW, display="nord.yaml")
    assert result.problems == ()
    assert result.profile is not None
    assert result.profile.transport.settings.partner_certificates == (as2_dir / "certs/nord.pem",)


def test_expired_certificate(as2_dir, rsa_keys):
    old, _ = make_cert("NORD-AS2-2024", dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
                       dt.datetime(2026, 6, 30, tzinfo=dt.timezone.utc), rsa_keys[2])
    (as2_dir / "certs" / "nord.pem").write_bytes(old)
    result = check_file(as2_dir / "nord.yaml", env={}, now=NOW, display="nord.yaml")
    assert [str(p) for p in result.problems] == [
        "nord.yaml:25:9: transport.as2.partner_certificates[0]: certificate 'NORD-AS2-2024' "
        "expired on 2026-06-30: ask the partner for its current certificate and list it here "
        "(two may be listed during a rollover), then remove the expired one"]
    assert result.profile is None


def test_expiring_certificate_is_a_warning(as2_dir, rsa_keys):
    soon, _ = make_cert("NORD-AS2", dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
                        dt.datetime(2026, 12, 10, tzinfo=dt.timezone.utc), rsa_keys[2])
    (as2_dir / "certs" / "nord.pem").write_bytes(soon)
    result = check_file(as2_dir / "nord.yaml", env={}, now=NOW, display="nord.yaml")
    assert [str(p) for p in result.problems] == [
        "nord.yaml:25:9: warning: transport.as2.partner_certificates[0]: certificate 'NORD-AS2' "
        "expires on 2026-12-10: ask the partner for its current certificate and list it here "
        "(two may be listed during a rollover), then remove the expired one"]
    assert result.profile is not None


def test_rollover_with_two_certificates(as2_dir, rsa_keys):
    new, _ = make_cert("NORD-AS2-2027", dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc),
                       dt.datetime(2029, 1, 1, tzinfo=dt.timezone.utc), rsa_keys[2])
    (as2_dir / "certs" / "nord-2027.pem").write_bytes(new)
    text = AS2.replace("      - certs/nord.pem", "      - certs/nord.pem\n      - certs/nord-2027.pem")
    (as2_dir / "nord.yaml").write_text(text)
    result = check_file(as2_dir / "nord.yaml", env={}, now=NOW, display="nord.yaml")
    assert [str(p) for p in result.problems] == [
        "nord.yaml:26:9: warning: transport.as2.partner_certificates[1]: certificate "
        "'NORD-AS2-2027' is not valid before 2026-12-01: it is accepted from that date; keep the "
        "current one listed until then"]
    text = AS2.replace("      - certs/nord.pem",
                       "      - certs/nord.pem\n      - certs/nord-2027.pem\n      - certs/x.pem")
    (as2_dir / "nord.yaml").write_text(text)
    result = check_file(as2_dir / "nord.yaml", env={}, now=NOW, display="nord.yaml")
    assert str(result.problems[0]) == (
        "nord.yaml:25:7: transport.as2.partner_certificates: at most 2 entries allowed: PEM/DER "
        "files of the partner's certificates (two during a rollover)")


def test_unreadable_and_missing_certificates(as2_dir):
    (as2_dir / "certs" / "nord.pem").write_text("-----BEGIN CERTIFICATE-----\ngarbage\n")
    (as2_dir / "certs" / "ours.pem").unlink()
    result = check_file(as2_dir / "nord.yaml", env={}, now=NOW, display="nord.yaml")
    assert [str(p) for p in result.problems] == [
        f"nord.yaml:25:9: transport.as2.partner_certificates[0]: {as2_dir}/certs/nord.pem is not "
        "a PEM or DER X.509 certificate: export the certificate (not the key or a PKCS#12 "
        "bundle) in PEM or DER form",
        f"nord.yaml:26:22: transport.as2.our_certificate: certificate file {as2_dir}/certs/ours.pem "
        "does not exist: correct the path (relative paths start at the profile's folder)",
    ]


def test_our_key_must_match_our_certificate(as2_dir, rsa_keys):
    (as2_dir / "keys" / "ours.key").write_bytes(key_pem(rsa_keys[2]))
    result = check_file(as2_dir / "nord.yaml", env={}, now=NOW, display="nord.yaml")
    assert [str(p) for p in result.problems] == [
        "nord.yaml:27:14: transport.as2.our_key: file:keys/ours.key does not belong to "
        "our_certificate: use the private key the certificate was issued for"]


def test_gln_check_digit():
    assert gln_check_digit("4001234000008") == 8
    text = BASE + 'code_maps_extra: 1\n'
    text = BASE.replace("  products:", '  locations:\n    "4001234000009":\n      warehouse: WH\n'
                        '    4001234000008:\n      warehouse: WH\n  products:')
    assert messages(text) == [
        "pp/acme.yaml:26:5: code_maps.locations.4001234000009: '4001234000009' is not a valid GLN "
        "(check digit should be 8): copy the GLN again from the partner's documents",
        "pp/acme.yaml:28:5: code_maps.locations.4001234000008: location code 4001234000008 is "
        "written as a number: quote it (\"4001234000008\") so leading zeros survive",
    ]


def test_statuses_need_prefix_and_known_status():
    text = BASE + 'code_maps_x: 0\n'
    text = BASE.replace("  products:", '  statuses:\n    "x12:IW": acepted\n    IB: backordered\n'
                        '  products:')
    assert messages(text) == [
        "pp/acme.yaml:26:15: code_maps.statuses.x12:IW: unknown status 'acepted': did you mean "
        "'accepted'? use one of accepted, accepted_with_changes, rejected, quantity_changed, "
        "date_changed, price_changed, changed, backordered, substituted",
        "pp/acme.yaml:27:5: code_maps.statuses.IB: status code 'IB' lacks the 'x12:' prefix: "
        "write the partner's raw code as x12:IB (canonical statuses need no mapping)",
    ]


def test_name_must_match_file_and_erp_needs_a_key():
    text = BASE.replace("  partner_ref: ACME\n", "  company: Main\n")
    assert messages(text, name="acme-parts.yaml") == [
        "pp/acme-parts.yaml:1:7: name: 'acme' does not match the file name acme-parts.yaml: set "
        "`name: acme-parts` or rename the file to acme.yaml",
        "pp/acme-parts.yaml:4:3: erp: missing partner_ref or partner_id: set partner_ref (the "
        "Odoo contact's Reference field) or partner_id (its database ID) so documents find the "
        "partner in Odoo",
    ]


def test_delimiters_must_differ_and_options_fit_documents():
    text = BASE + ('envelope:\n  element_separator: "*"\n  component_separator: "*"\n'
                   '  segment_terminator: "A"\n')
    text = text.replace("    changes: apply\n", "    changes: apply\n    receipt: record\n")
    assert messages(text) == [
        "pp/acme.yaml:17:5: documents.order_response.receipt: `receipt` applies to ship_notice "
        "only: move it under documents.ship_notice",
        "pp/acme.yaml:31:24: envelope.component_separator: '*' is already the element separator: "
        "every delimiter must be a different character",
        "pp/acme.yaml:32:23: envelope.segment_terminator: 'A' can appear in data: choose a "
        "character that never occurs in data, such as * ~ ^ > + : '",
    ]


def _results(tmp_path, texts):
    out = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        out.append(check_file(path, env={"ACME_KEY": "k"}, now=NOW, display=f"pp/{name}.yaml"))
    return out


def test_duplicate_identity_across_profiles(tmp_path):
    other = BASE.replace("name: acme", "name: acme2").replace("/srv/edi/acme/", "/srv/edi/acme2/")
    results = _results(tmp_path, {"acme": BASE, "acme2": other})
    assert [str(p) for p in check_set(results)] == [
        "pp/acme.yaml:7:5: identities.partner: duplicate identity: X12 identity ISA ZZ/ACMEPARTS "
        "(to us as ISA ZZ/OURCO) is also claimed by profile 'acme2' (pp/acme2.yaml:7:5): each "
        "partner needs its own identity: correct one of them, or tell them apart by GS "
        "application IDs (gs_id)",
        "pp/acme2.yaml:7:5: identities.partner: duplicate identity: X12 identity ISA "
        "ZZ/ACMEPARTS (to us as ISA ZZ/OURCO) is also claimed by profile 'acme' "
        "(pp/acme.yaml:7:5): each partner needs its own identity: correct one of them, or tell "
        "them apart by GS application IDs (gs_id)",
    ]


def test_gs_ids_tell_partners_apart(tmp_path):
    a = BASE.replace("    isa_id: ACMEPARTS", "    isa_id: ACMEPARTS\n    gs_id: EAST")
    b = (BASE.replace("name: acme", "name: acme2").replace("/srv/edi/acme/", "/srv/edi/acme2/")
         .replace("    isa_id: ACMEPARTS", "    isa_id: ACMEPARTS\n    gs_id: WEST"))
    assert check_set(_results(tmp_path, {"acme": a, "acme2": b})) == []
    # a profile without gs_id accepts any GS02, so it overlaps both
    c = (BASE.replace("name: acme", "name: acme3").replace("/srv/edi/acme/", "/srv/edi/acme3/"))
    problems = check_set(_results(tmp_path, {"acme": a, "acme2": b, "acme3": c}))
    assert sorted({p.file for p in problems}) == ["pp/acme.yaml", "pp/acme2.yaml", "pp/acme3.yaml"]
    assert len(problems) == 4


def test_duplicate_channel_and_as2_id(tmp_path):
    other = (SFTP.replace("name: acme", "name: beta").replace("ACMEPARTS", "BETA"))
    results = _results(tmp_path, {"acme": SFTP, "beta": other})
    assert [str(p) for p in check_set(results)] == [
        "pp/acme.yaml:20:5: transport.sftp: duplicate channel: sftp channel "
        "ourco@sftp.acme.example:22 is also claimed by profile 'beta' (pp/beta.yaml:20:5): each "
        "partner needs its own channel (account, AS2 ID or folder), or the gateway cannot tell "
        "who sent a file",
        "pp/beta.yaml:20:5: transport.sftp: duplicate channel: sftp channel "
        "ourco@sftp.acme.example:22 is also claimed by profile 'acme' (pp/acme.yaml:20:5): each "
        "partner needs its own channel (account, AS2 ID or folder), or the gateway cannot tell "
        "who sent a file",
    ]


def test_edifact_qualifier_omitted_overlaps(as2_dir):
    b = (AS2.replace("name: nord", "name: nord2").replace("NORD-AS2", "NORD2-AS2")
         .replace('    id: "4001234000008"\n    qualifier: "14"', '    id: "4001234000008"'))
    (as2_dir / "nord2.yaml").write_text(b)
    results = [check_file(as2_dir / f"{n}.yaml", env={}, now=NOW, display=f"{n}.yaml")
               for n in ("nord", "nord2")]
    problems = [str(p) for p in check_set(results)]
    assert problems[0] == (
        "nord.yaml:7:5: identities.partner: duplicate identity: EDIFACT identity UNB "
        "4001234000008:14 (to us as UNB 4001234000015:14) is also claimed by profile 'nord2' "
        "(nord2.yaml:7:5): each partner needs its own identity: correct one of them")
    assert len(problems) == 2
