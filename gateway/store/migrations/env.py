"""Alembic environment: the gateway runs migrations itself (``gateway.store.migrate``),
passing its connection in ``config.attributes["connection"]``."""
from __future__ import annotations

from alembic import context

from gateway.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the gateway always passes its connection
    raise RuntimeError("run migrations with `edi-gateway db upgrade` (gateway.store.migrate)")
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
