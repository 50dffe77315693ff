"""The embedded ERP connector: canonical JSON files in folders.

For any ERP that is not Odoo.  Inbound documents the gateway delivers are written to
``out/<partner>/<key>.json`` (atomically: temporary file, fsync, rename, fsync of the folder),
one file per gateway document key, so delivering the same key again finds the file and writes
nothing (``DeliveryResult.replayed``).  Outbound documents are canonical JSON files the ERP drops
into ``in/`` (``{"partner": NAME, "type": ..., "content": {...}, "key": optional}``, or a list of
them); ``extract`` returns the files newer than its watermark (``mtime_ns:name``).  A file that is
not a canonical document is moved to ``in/rejected/`` beside a ``.error.txt`` naming the problem,
so it neither blocks the others nor is lost.  Sent and acknowledgment notices are appended to
``out/notices.jsonl`` for the ERP to read.

Settings (gateway config, ``connector: {type: files, out: PATH, in: PATH}``; relative paths are
relative to the gateway's data directory): ``out`` (default ``erp/out``), ``in`` (default
``erp/in``).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

from gateway.connectors.base import (AckNotice, Delivery, DeliveryResult, Outbound,
                                     SentNotice)
from gateway.errors import PermanentError, TransientError
from gateway.fsutil import remove_dead_temps, write_atomic
from translators import canonical

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

#: ``edi-gateway send KIND REF`` kinds and the canonical types they name
KINDS = {"po": "purchase_order", "purchase_order": "purchase_order", "850": "purchase_order",
         "orders": "purchase_order",
         "response": "order_response", "order_response": "order_response", "855": "order_response",
         "ordrsp": "order_response",
         "asn": "ship_notice", "ship_notice": "ship_notice", "856": "ship_notice",
         "desadv": "ship_notice"}


def safe_name(key: str) -> str:
    """A file name for ``key``: readable, and unique by a hash suffix."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    readable = _SAFE.sub("_", key).strip("._")[:80] or "doc"
    return f"{readable}-{digest}.json"


def _number(doc: canonical.Document) -> Optional[str]:
    for attr in ("number", "order_number"):
        value = getattr(doc, attr, None)
        if value:
            return str(value)
    return None


class FilesConnector:
    name = "files"

    def __init__(self, out_dir: Path, in_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.in_dir = Path(in_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.in_dir.mkdir(parents=True, exist_ok=True)
        remove_dead_temps(self.out_dir)  # of deliveries killed mid-write (they are retried)

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], *, profiles: Callable[[str], Any],
                    base_dir: Path, env: Mapping[str, str]) -> "FilesConnector":
        def where(key: str, default: str) -> Path:
            path = Path(str(settings.get(key) or default)).expanduser()
            return path if path.is_absolute() else Path(base_dir) / path
        return cls(where("out", "erp/out"), where("in", "erp/in"))

    # ----------------------------------------------------------------- inbound

    def delivered_path(self, partner: str, key: str) -> Path:
        return self.out_dir / _SAFE.sub("_", partner) / safe_name(key)

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        path = self.delivered_path(delivery.partner, delivery.key)
        if path.exists():
            return DeliveryResult(delivery.key, (f"already written to {path}",),
                                  erp_refs={"file": str(path)}, replayed=True)
        body = {"key": delivery.key, "partner": delivery.partner,
                "type": canonical.TYPE_NAMES[type(delivery.document)],
                "content": delivery.canonical_content(), "meta": dict(delivery.meta)}
        try:
            # compact: json's C encoder does not run with indent (large ship notices)
            write_atomic(path, json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                                          default=str).encode("utf-8"))
        except OSError as exc:  # a full or unmounted disk heals; the engine retries
            raise TransientError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return DeliveryResult(delivery.key, (f"wrote {path}",), erp_refs={"file": str(path)})

    # ----------------------------------------------------------------- outbound

    def _reject(self, path: Path, problem: str) -> None:
        target = self.in_dir / "rejected"
        target.mkdir(exist_ok=True)
        write_atomic(target / f"{path.name}.error.txt", (problem + "\n").encode("utf-8"))
        os.replace(path, target / path.name)

    def _read(self, path: Path, partners: Optional[set[str]]) -> list[Outbound]:
        raw = path.read_bytes()
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PermanentError(f"{path.name}: not JSON: {exc}") from None
        entries = data if isinstance(data, list) else [data]
        digest = hashlib.sha256(raw).hexdigest()[:16]
        out = []
        for i, entry in enumerate(entries):
            where = f"{path.name}[{i}]" if isinstance(data, list) else path.name
            if not isinstance(entry, dict) or not isinstance(entry.get("partner"), str):
                raise PermanentError(f"{where}: expected an object with 'partner' (a profile "
                                     "name), 'type' and 'content'")
            try:
                doc = canonical.document_from_dict(entry, where)
            except canonical.CanonicalError as exc:
                raise PermanentError(str(exc)) from None
            if partners is not None and entry["partner"] not in partners:
                raise PermanentError(f"{where}: partner {entry['partner']!r} has no enabled "
                                     "profile")
            key = entry.get("key") or f"files/{path.name}/{digest}/{i}"
            out.append(Outbound(str(key), entry["partner"], doc,
                                {"file": str(path), "index": i}))
        return out

    def _candidates(self) -> list[tuple[str, Path]]:
        found = []
        with os.scandir(self.in_dir) as it:
            for item in it:
                if (item.name.startswith(".") or not item.name.endswith(".json")
                        or not item.is_file()):
                    continue
                found.append((f"{item.stat().st_mtime_ns:020d}:{item.name}", Path(item.path)))
        found.sort()
        return found

    def extract(self, partners: Iterable[str], watermark: Optional[str]
                ) -> tuple[list[Outbound], Optional[str]]:
        wanted = set(partners)
        out: list[Outbound] = []
        mark = watermark
        for stamp, path in self._candidates():
            if watermark is not None and stamp <= watermark:
                continue
            try:
                out.extend(self._read(path, wanted))
            except PermanentError as exc:
                self._reject(path, str(exc))
                continue
            mark = stamp
        return out, mark

    def outbound_for(self, kind: str, ref: str) -> list[Outbound]:
        doc_type = KINDS.get(kind.lower())
        if doc_type is None:
            raise PermanentError(f"unknown kind {kind!r}: one of {', '.join(sorted(KINDS))}")
        matches = []
        for _, path in self._candidates():
            try:
                docs = self._read(path, None)
            except PermanentError:
                continue
            matches.extend(o for o in docs if canonical.TYPE_NAMES[type(o.document)] == doc_type
                           and _number(o.document) == ref)
        return matches

    # ----------------------------------------------------------------- notices

    def _notice(self, record: dict[str, Any]) -> None:
        path = self.out_dir / "notices.jsonl"
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def sent(self, notice: SentNotice) -> None:
        self._notice({"notice": "sent", **dataclasses.asdict(notice)})

    def acknowledged(self, notice: AckNotice) -> None:
        self._notice({"notice": "acknowledged", **dataclasses.asdict(notice)})

    def close(self) -> None:
        return None
