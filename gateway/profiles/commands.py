"""``edi-gateway profile ...``: new, check, list, show, try.

The lead registers the group in cli.py with ``cli.add_command(profile)``; to let
``profile try`` read EDI files, build the group with
``make_profile_group(to_documents=...)`` where ``to_documents(bytes)`` yields
canonical documents (or pipeline items with ``document`` and ``findings``).
``profile`` below uses ``pipeline_documents`` (translators.pipeline.translate);
canonical JSON (the output of ``edi-gateway translate``) is read directly.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import io
import json
import os
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Optional

import click
import yaml

from translators.canonical import (DOCUMENT_TYPES, CanonicalError, Document, document_from_dict,
                                   document_to_dict)
from translators.findings import EDIError
from gateway.profiles import vocab
from gateway.profiles.checks import CheckResult, check_file, check_set
from gateway.profiles.dryrun import plan
from gateway.profiles.model import Profile
from gateway.profiles.problems import Problem, sort_problems
from gateway.profiles.registry import PROFILE_SUFFIXES
from gateway.profiles.secrets import SecretRef, is_reference
from gateway.profiles.template import STANDARDS, TRANSPORTS, render_profile

DEFAULT_DIR = "partner_profiles"
ToDocuments = Callable[[bytes], Iterable[Any]]  # documents, or items with .document/.findings
DOCUMENT_CLASSES = tuple(DOCUMENT_TYPES.values())

_dir_option = click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR, show_default=True, envvar="EDI_GATEWAY_PROFILES",
    help="Folder holding the partner profiles (env EDI_GATEWAY_PROFILES).")


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _profile_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if p.suffix in PROFILE_SUFFIXES and p.is_file() and not p.name.startswith("."))


def _check_all(paths: Iterable[Path]) -> list[CheckResult]:
    env = dict(os.environ)
    now = _now()
    return [check_file(p, env=env, now=now, display=_shown(p)) for p in paths]


def _find(directory: Path, name: str) -> Path:
    for suffix in PROFILE_SUFFIXES:
        path = directory / f"{name}{suffix}"
        if path.is_file():
            return path
    known = ", ".join(p.stem for p in _profile_files(directory)) or "none"
    raise click.ClickException(f"no profile {name!r} in {_shown(directory)} (profiles: {known})")


def _plain(value: Any) -> Any:
    """Model objects -> YAML/JSON-ready data; secrets stay references."""
    if isinstance(value, SecretRef):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, _dt.timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds % size == 0:
                return f"{seconds // size}{unit}"
        return f"{seconds}s"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in ("raw", "digest") and getattr(value, f.name) is not None}
    if isinstance(value, (dict, MappingProxyType)):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _mask_literals(data: Any) -> Any:
    """Raw profile data with any literal secret (an error anyway) hidden."""
    if not isinstance(data, dict):
        return data
    out = json.loads(json.dumps(data, default=str))
    for path in vocab.SECRET_FIELDS:
        node = out
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node and not is_reference(node[path[-1]]):
            node[path[-1]] = "<literal secret hidden>"
    return out


def _identity_text(profile: Profile) -> str:
    return profile.identities.partner.label()


def make_profile_group(to_documents: Optional[ToDocuments] = None) -> click.Group:
    """The ``profile`` command group; ``to_documents`` turns EDI file bytes into documents."""

    @click.group("profile")
    def profile() -> None:
        """Create, check and inspect partner profiles."""

    @profile.command("new")
    @click.argument("name")
    @click.option("--standard", type=click.Choice(STANDARDS), required=True)
    @click.option("--transport", type=click.Choice(TRANSPORTS), required=True)
    @click.option("--force", is_flag=True, help="Overwrite an existing profile.")
    @_dir_option
    def new(name: str, standard: str, transport: str, force: bool, directory: Path) -> None:
        """Write a commented profile NAME.yaml from the template."""
        try:
            text = render_profile(name, standard, transport)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        target = directory / f"{name}.yaml"
        if target.exists() and not force:
            raise click.ClickException(f"{_shown(target)} exists (use --force to overwrite)")
        directory.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        click.echo(f"wrote {_shown(target)}: fill in the <fill in: ...> values, then run "
                   f"`edi-gateway profile check {_shown(target)}`")

    @profile.command("check")
    @click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
    @_dir_option
    def check(paths: tuple[Path, ...], directory: Path) -> None:
        """Check profiles (default: every profile in --dir); exit 1 on any error.

        Duplicate identities are looked for among the given profiles and the other
        profiles in their folders.
        """
        targets: list[Path] = []
        folders: set[Path] = set()
        missing: list[Problem] = []
        for path in paths or (directory,):
            if path.is_dir():
                targets.extend(_profile_files(path))
                folders.add(path.resolve())
            elif path.is_file():
                targets.append(path)
                folders.add(path.resolve().parent)
            else:
                missing.append(Problem(_shown(path), 1, 1, "", "no such file or folder",
                                       "check the path"))
        wanted = {t.resolve() for t in targets}
        siblings = [p for folder in sorted(folders) for p in _profile_files(folder)
                    if p.resolve() not in wanted]
        results = _check_all(targets)
        others = _check_all(siblings)
        shown_files = {r.file for r in results}
        problems = missing + [p for r in results for p in r.problems]
        problems += [p for p in check_set(results + others) if p.file in shown_files]
        problems = sort_problems(problems)
        for problem in problems:
            click.echo(str(problem))
        errors = sum(1 for p in problems if p.is_error)
        warnings = len(problems) - errors
        click.echo(f"checked {len(results)} profile{'s' if len(results) != 1 else ''}: "
                   f"{errors} error{'s' if errors != 1 else ''}, "
                   f"{warnings} warning{'s' if warnings != 1 else ''}")
        if errors:
            raise SystemExit(1)

    @profile.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @_dir_option
    def list_(as_json: bool, directory: Path) -> None:
        """List the profiles with their standard, transport and identity."""
        results = _check_all(_profile_files(directory))
        cross = check_set(results)
        rows = []
        for r in results:
            errors = len(r.errors) + sum(1 for p in cross if p.file == r.file and p.is_error)
            p = r.profile
            data = r.data if isinstance(r.data, dict) else {}
            rows.append({
                "name": p.name if p else str(data.get("name", r.path.stem)),
                "file": r.file,
                "standard": p.standard if p else str(data.get("standard", "?")),
                "transport": p.transport.type if p else str(
                    (data.get("transport") or {}).get("type", "?")
                    if isinstance(data.get("transport"), dict) else "?"),
                "identity": _identity_text(p) if p else "",
                "erp_partner": (str(p.erp.partner_ref or p.erp.partner_id)) if p else "",
                "schedule": p.schedule.tier if p else "",
                "enabled": p.enabled if p else False,
                "errors": errors,
            })
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        if not rows:
            click.echo(f"no profiles in {_shown(directory)}")
            return
        headers = ["NAME", "STANDARD", "TRANSPORT", "IDENTITY", "ERP PARTNER", "SCHEDULE",
                   "STATUS"]
        table = [[r["name"], r["standard"], r["transport"], r["identity"], r["erp_partner"],
                  r["schedule"],
                  (f"{r['errors']} error{'s' if r['errors'] != 1 else ''}" if r["errors"]
                   else "ok" if r["enabled"] else "disabled")] for r in rows]
        widths = [max(len(str(row[i])) for row in table + [headers]) for i in range(len(headers))]
        for row in [headers] + table:
            click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())

    @profile.command("show")
    @click.argument("name")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @_dir_option
    def show(name: str, as_json: bool, directory: Path) -> None:
        """Show a profile with defaults filled in (secrets only as references)."""
        path = _find(directory, name)
        (result,) = _check_all([path])
        if result.profile is not None:
            data = _plain(result.profile)
        else:
            data = _mask_literals(result.data)
        if as_json:
            click.echo(json.dumps(data, indent=2, default=str))
        else:
            click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())
        for problem in result.problems:
            click.echo(str(problem), err=True)
        if result.errors:
            raise SystemExit(1)

    @profile.command("try")
    @click.argument("name")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @_dir_option
    def try_(name: str, file: Path, as_json: bool, directory: Path) -> None:
        """Dry run: the canonical documents in FILE and the Odoo operations they would cause.

        FILE is an inbound EDI file, or canonical JSON (one document or a list).
        Nothing is written anywhere.
        """
        path = _find(directory, name)
        (result,) = _check_all([path])
        if result.profile is None:
            for problem in result.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(f"profile {name} has errors; fix them first")
        data = file.read_bytes()
        documents, findings, failed = _read_documents(data, to_documents)
        run = plan(documents, result.profile)
        if as_json:
            click.echo(json.dumps({
                "findings": findings,
                "documents": [document_to_dict(d) for d in run.documents],
                "operations": [_plain(o) for o in run.operations],
                "notes": [_plain(n) for n in run.notes],
            }, indent=2, default=str))
        else:
            click.echo(f"{len(run.documents)} document{'s' if len(run.documents) != 1 else ''} "
                       f"under profile {name} (dry run: nothing is written)")
            for i, doc in enumerate(run.documents, 1):
                click.echo(f"--- document {i}")
                click.echo(json.dumps(document_to_dict(doc), indent=2))
            click.echo("--- operations")
            for op in run.operations:
                click.echo(op.describe())
            if run.notes:
                click.echo("--- notes")
                for note in run.notes:
                    click.echo(note.describe())
            if findings:
                click.echo("--- findings")
                for line in findings:
                    click.echo(line)
        if failed or not run.ok:
            raise SystemExit(1)

    return profile


def pipeline_documents(data: bytes) -> Iterator[Any]:
    """Glue from file bytes to the translators pipeline: yields its items
    (``translators.pipeline.Item``, each with ``document`` and ``findings``)."""
    from translators import pipeline  # imported late: only `profile try` needs it
    yield from pipeline.translate(io.BytesIO(data))


def _read_documents(data: bytes, to_documents: Optional[ToDocuments]
                    ) -> tuple[list[Document], list[str], bool]:
    """(documents, finding lines, any error finding) from canonical JSON or via ``to_documents``.

    ``to_documents`` may yield canonical documents, or items carrying ``document`` and
    ``findings`` attributes (the pipeline's items); findings are shown, not dropped.
    """
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            parsed = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise click.ClickException(f"the file looks like JSON but is not: {exc}") from None
        items = parsed if isinstance(parsed, list) else [parsed]
        try:
            # `edi-gateway translate` output also holds envelope-only entries: skip them
            docs = [document_from_dict(item, f"document[{i}]") for i, item in enumerate(items)
                    if not (isinstance(item, dict) and item.get("type") == "interchange")]
        except CanonicalError as exc:
            raise click.ClickException(str(exc)) from None
        return docs, [], False
    if to_documents is None:
        raise click.ClickException(
            "this command was built without the translators pipeline, so it reads canonical "
            "JSON only (edi-gateway translate FILE > doc.json)")
    documents: list[Document] = []
    findings: list[str] = []
    failed = False
    try:
        for entry in to_documents(data):
            if isinstance(entry, DOCUMENT_CLASSES):
                documents.append(entry)
                continue
            for finding in getattr(entry, "findings", ()) or ():
                failed = failed or finding.severity == "error"
                findings.append(f"{finding.severity}: {finding.describe()}")
            document = getattr(entry, "document", None)
            if document is not None:
                documents.append(document)
    except EDIError as exc:
        raise click.ClickException(str(exc)) from None
    return documents, findings, failed


#: the group cli.py registers; ``try`` reads EDI files through the translators pipeline
profile = make_profile_group(to_documents=pipeline_documents)
