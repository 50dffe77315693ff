"""edi-gateway: the command line of the EDI/B2B gateway.

A thin layer: every command parses its options, calls the engine or the
translators, and prints.  Exit statuses scripts can rely on:

    0  success (every interchange valid, everything rendered)
    1  the input was processed but is invalid / rejected (findings printed)
    2  usage error (bad option, missing file, malformed canonical JSON)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any, Optional

import click

from gateway.commands import register as register_operator_commands
from gateway.profiles.commands import profile
from translators import _native, pipeline
from translators.canonical import CanonicalError
from translators.findings import EDIError, Finding

SAMPLES = Path(__file__).resolve().parent / "translators" / "samples"


def _open_input(path: str) -> tuple[IO[bytes], str]:
    if path == "-":
        return sys.stdin.buffer, "<stdin>"
    return open(path, "rb"), path


def _finding_json(f: Finding) -> dict[str, Any]:
    pos = {k: v for k, v in (
        ("offset", f.position.offset),
        ("interchange", f.position.interchange),
        ("group", f.position.group),
        ("transaction", f.position.transaction),
        ("transaction_set", f.position.transaction_set),
        ("segment_tag", f.position.segment_tag),
        ("segment_position", f.position.segment_position),
        ("loop_id", f.position.loop_id),
        ("element_position", f.position.element_position),
        ("component_position", f.position.component_position),
        ("repetition", f.position.repetition),
        ("element_reference", f.position.element_reference),
        ("bad_value", f.position.bad_value),
    ) if v is not None}
    return {"field": f.field, "code": f.code, "severity": f.severity,
            "message": f.message, "position": pos}


def _item_json(item: pipeline.Item, filename: str) -> dict[str, Any]:
    out = item.to_json()
    out["file"] = filename
    out["errors"] = [_finding_json(f) for f in item.findings if f.severity == "error"]
    out["warnings"] = [_finding_json(f) for f in item.findings if f.severity != "error"]
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="edi-gateway", message=(
    "%(prog)s %(version)s (translators: " + ("compiled" if _native.STATE[0] else
                                             "Python sources, " + _native.STATE[1]) + ")"))
def main() -> None:
    """EDI/B2B gateway: X12 and UN/EDIFACT to and from the canonical model."""


STANDARD = click.option("--standard", type=click.Choice(["x12", "edifact"]), default=None,
                        help="Input standard (detected from the first bytes when omitted).")


FILES = click.argument("files", nargs=-1, required=True,
                       type=click.Path(exists=True, dir_okay=False, allow_dash=True))


@main.command()
@FILES
@STANDARD
@click.option("--compact", is_flag=True, help="One document per line instead of indented JSON.")
def translate(files: tuple[str, ...], standard: Optional[str], compact: bool) -> None:
    """Translate FILES to canonical JSON: one list of documents with their
    type, standard, version, sender/receiver, control numbers, content and errors
    (each names its file).

    Exit status 1 when any interchange has errors."""
    failed = False
    out = sys.stdout
    indent = None if compact else 2
    out.write("[")
    first = True
    for file in files:
        stream, name = _open_input(file)
        with stream:
            for item in pipeline.translate(stream, standard=standard):
                if item.has_errors:
                    failed = True
                out.write("\n" if first else ",\n")
                first = False
                out.write(json.dumps(_item_json(item, name), indent=indent, ensure_ascii=False))
    out.write("\n]\n" if not first else "]\n")
    sys.exit(1 if failed else 0)


@main.command()
@FILES
@STANDARD
@click.option("--ack", "show_ack", is_flag=True,
              help="Print the acknowledgments (TA1/997/999/CONTRL) the gateway would send.")
@click.option("--ack-type", type=click.Choice(["997", "999"]), default=None,
              help="X12 only: force 997 or 999 (default: 997 for 004010, 999 for 005010).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def validate(files: tuple[str, ...], standard: Optional[str], show_ack: bool,
             ack_type: Optional[str], as_json: bool) -> None:
    """Validate FILES.  Exit 0 when every interchange of every file is valid, 1 otherwise.

    Each error names the file, interchange, group, transaction set, segment
    position and tag, element position and the acknowledgment code."""
    all_valid = True
    reports = []
    for file in files:
        valid, report = _validate_one(file, standard, show_ack, ack_type, as_json)
        all_valid = all_valid and valid
        reports.append(report)
    if as_json:
        click.echo(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2,
                              ensure_ascii=False))
    sys.exit(0 if all_valid else 1)


def _validate_one(file: str, standard: Optional[str], show_ack: bool, ack_type: Optional[str],
                  as_json: bool) -> tuple[bool, dict[str, Any]]:
    stream, name = _open_input(file)
    report = pipeline.ValidationReport()
    acks = []
    rows = []
    with stream:
        for item in pipeline.validate(stream, standard=standard, acks=show_ack,
                                      ack_type=ack_type, report=report):
            if isinstance(item, pipeline.Ack):
                acks.append(item)
                continue
            for f in item.findings:
                rows.append(f)
                if not as_json:
                    label = "error" if f.severity == "error" else "warning"
                    click.echo(f"{label}: {f.describe(name)}")
    summary = {
        "file": name, "valid": report.valid,
        "interchanges": report.interchanges, "transactions": report.transactions,
        "errors": [_finding_json(f) for f in rows if f.severity == "error"],
        "warnings": [_finding_json(f) for f in rows if f.severity != "error"],
        "acks": [a.to_json() for a in acks],
    }
    if not as_json:
        errors = len(summary["errors"])
        verdict = "valid" if report.valid else "INVALID"
        click.echo(f"{name}: {verdict}: {report.interchanges} interchange(s), "
                   f"{report.transactions} transaction(s), {errors} error(s), "
                   f"{len(rows) - errors} warning(s)")
        for ack in acks:
            click.echo(f"--- {ack.kind} answering interchange {ack.answers} ({ack.status})")
            click.echo(ack.text, nl=not ack.text.endswith("\n"))
    return report.valid, summary


@main.command()
@click.argument("json_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--standard", type=click.Choice(["x12", "edifact"]), required=True)
@click.option("--version", "version", required=True,
              help="x12: 004010 | 005010; edifact: D96A | D01B")
@click.option("--sender", default=None, help="Our ID (ISA06/UNB sender); default: from the JSON.")
@click.option("--receiver", default=None, help="Partner ID; default: from the JSON.")
@click.option("--sender-qualifier", default=None, help="ISA05 / UNB 0007.")
@click.option("--receiver-qualifier", default=None, help="ISA07 / UNB 0007.")
@click.option("--association", default=None, help="EDIFACT association code, e.g. EAN008.")
@click.option("--syntax", type=click.Choice(["3", "4"]), default="3", help="EDIFACT syntax version.")
@click.option("--charset", default="UNOC", help="EDIFACT character set (UNOA..UNOY).")
@click.option("--test", "test_indicator", is_flag=True, help="Mark the interchange as a test.")
@click.option("--separators", default=None,
              help="x12: element, component, repetition, terminator (default '*>^~'); "
                   "edifact: the 6 UNA characters (default \":+.? '\").")
@click.option("--newline/--no-newline", default=True,
              help="Write a newline after each segment terminator (default) or one line.")
def render(json_file: str, standard: str, version: str, sender: Optional[str],
           receiver: Optional[str], sender_qualifier: Optional[str],
           receiver_qualifier: Optional[str], association: Optional[str], syntax: str,
           charset: str, test_indicator: bool, separators: Optional[str],
           newline: bool) -> None:
    """Render canonical JSON (translate's output, or one document) as X12 or EDIFACT."""
    stream, name = _open_input(json_file)
    with stream:
        raw = stream.read()
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.UsageError(f"{name}: not JSON: {exc}") from None
    try:
        text = pipeline.render(
            data, standard=standard, version=version, sender=sender, receiver=receiver,
            sender_qualifier=sender_qualifier, receiver_qualifier=receiver_qualifier,
            association=association, syntax=syntax, charset=charset, test=test_indicator,
            separators=separators, newline=newline)
    except (CanonicalError, EDIError) as exc:
        raise click.UsageError(f"{name}: {exc}") from None
    sys.stdout.buffer.write(text)
    sys.stdout.flush()


@main.command()
def demo() -> None:
    """Validate, acknowledge and translate the bundled sample documents."""
    for sample in sorted(SAMPLES.iterdir()):
        if sample.name.startswith(".") or sample.suffix not in (".x12", ".edi"):
            continue
        click.secho(f"== {sample.name}", bold=True)
        with open(sample, "rb") as fh:
            report = pipeline.ValidationReport()
            for item in pipeline.validate(fh, acks=True, report=report):
                if isinstance(item, pipeline.Ack):
                    click.echo(f"-- {item.kind} we would send ({item.status}):")
                    click.echo(item.text.rstrip("\n"))
                else:
                    for f in item.findings:
                        click.echo(f"{f.severity}: {f.describe(sample.name)}")
        click.echo(f"-- {'valid' if report.valid else 'INVALID'}; canonical documents:")
        with open(sample, "rb") as fh:
            for item in pipeline.translate(fh):
                if item.document is not None:
                    click.echo(json.dumps(item.to_json(), indent=2, ensure_ascii=False))


main.add_command(profile)
register_operator_commands(main)

if __name__ == "__main__":  # pragma: no cover
    main()
