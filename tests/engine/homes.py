"""Test gateways: a home folder with the sample partners (X12 acme-parts, EDIFACT nordwerk
on local folders), the files ERP connector, and a store URL (SQLite file or a fresh
PostgreSQL schema)."""
from __future__ import annotations

import copy
import json
import os
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import sqlalchemy as sa

from gateway.app import Gateway
from gateway.config import load
from gateway.quickstart import SAMPLES, create_home, render_as_partner

PG_ENV = "EDI_TEST_POSTGRES_URL"

GATEWAY_YAML = """\
store: {store}
profiles: partner_profiles
connector: {{type: files, out: erp/out, in: erp/in}}
worker: {{lease: {lease}, batch: 8, idle: 1s, extract_every: 1s, poll_lease: 30s}}
retry: {{base: 1s, cap: 2s, max_attempts: {max_attempts}}}
duplicates: {{window: 30d}}
retention: {{archive_after: 400d}}
"""


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema; yields a URL whose connections use it."""
    base = os.environ[PG_ENV]
    name = "t_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    engine.dispose()
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{name}"
    finally:
        engine = sa.create_engine(base)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        engine.dispose()


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / "documents" / name).read_text(encoding="utf-8"))


class Home:
    def __init__(self, root: Path, store_url: Optional[str] = None, *, lease: str = "30s",
                 max_attempts: int = 4) -> None:
        self.root = root
        create_home(root)
        for inbox in (root / "mailboxes").glob("*/in"):
            for f in inbox.iterdir():
                f.unlink()
        (root / "erp" / "in" / "purchase-orders.json").unlink()
        url = store_url or f"sqlite:///{root / 'gateway.db'}"
        (root / "gateway.yaml").write_text(GATEWAY_YAML.format(
            store=url, lease=lease, max_attempts=max_attempts), encoding="utf-8")
        self.profiles = root / "partner_profiles"
        self._numbers = 100

    def config(self) -> Any:
        return load(self.root / "gateway.yaml", os.environ)

    def gateway(self, **kwargs: Any) -> Gateway:
        return Gateway(self.config(), os.environ, **kwargs)

    def inbox(self, partner: str) -> Path:
        return self.root / "mailboxes" / partner / "in"

    def outbox(self, partner: str) -> Path:
        return self.root / "mailboxes" / partner / "out"

    def erp_out(self, partner: str) -> Path:
        return self.root / "erp" / "out" / partner

    def render(self, partner: str, body: dict[str, Any], number: Optional[int] = None) -> bytes:
        if number is None:
            self._numbers += 1
            number = self._numbers
        return render_as_partner(self.profiles / f"{partner}.yaml", body, number)

    def drop(self, partner: str, name: str, data: bytes) -> Path:
        """A file the partner left in our inbox (old enough to be picked up at once)."""
        path = self.inbox(partner) / name
        path.write_bytes(data)
        old = time.time() - 60
        os.utime(path, (old, old))
        return path

    def order(self, partner: str, number: str, *, key: Optional[str] = None,
              lines: int = 2) -> Path:
        """An outbound purchase order the ERP drops for the files connector."""
        body = sample("erp-purchase-orders.json")[0 if partner == "acme-parts" else 1]
        body = copy.deepcopy(body)
        body["partner"] = partner
        body["key"] = key or f"test/po/{number}"
        body["content"]["number"] = number
        base = body["content"]["lines"][0]
        body["content"]["lines"] = [dict(base, line_number=str(i + 1)) for i in range(lines)]
        path = self.root / "erp" / "in" / f"{number}.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        return path


def ship_notice(order: str, asn: str, qty: str = "500") -> dict[str, Any]:
    body = copy.deepcopy(sample("acme-parts-856.json"))
    body["content"]["number"] = asn
    body["content"]["orders"][0]["order_number"] = order
    body["content"]["orders"][0]["packs"][0]["items"][0]["quantity"] = qty
    return body


def run_idle(gw: Gateway) -> list[Any]:
    steps: list[Any] = []
    gw.run(until_idle=True, on_step=steps.append)
    return steps
