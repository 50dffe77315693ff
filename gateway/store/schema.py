"""The store's tables (SQLAlchemy Core).  Alembic migrations in
``gateway/store/migrations/versions`` create and upgrade them; ``HEAD`` names the
revision this code expects, so a gateway never runs against a schema it does not know.

Timestamps are timezone-aware UTC; JSON columns hold plain JSON text.
"""
from __future__ import annotations

import datetime as _dt

import sqlalchemy as sa

from gateway import states

HEAD = "0002"

metadata = sa.MetaData()

_status_list = ", ".join(f"'{s}'" for s in states.STATUSES)
_flow_list = ", ".join(f"'{f}'" for f in states.FLOWS)
_tracking_list = ", ".join(f"'{s}'" for s in states.TRACKING_STATUSES)



class UtcDateTime(sa.types.TypeDecorator):
    """Aware UTC datetimes in and out, on every backend (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        value = value.astimezone(_dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=_dt.timezone.utc)
        return value.astimezone(_dt.timezone.utc)


TS = UtcDateTime()

files = sa.Table(
    "files", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("partner", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(500), nullable=False),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("received_at", TS, nullable=False),
    sa.Column("external_id", sa.String(500), nullable=True),  # AS2 Message-ID
    sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
    sa.UniqueConstraint("partner", "channel", "name", "sha256", name="uq_files_offer"),
    sa.Index("ix_files_external", "partner", "external_id"),
)

documents = sa.Table(
    "documents", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("flow", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("key", sa.String(500), nullable=False),
    sa.Column("partner", sa.String(200), nullable=True),
    sa.Column("doc_type", sa.String(40), nullable=False),  # canonical type, ack kind, "file"
    sa.Column("standard", sa.String(10), nullable=True),
    sa.Column("version", sa.String(20), nullable=True),
    sa.Column("transaction_set", sa.String(10), nullable=True),
    sa.Column("number", sa.String(100), nullable=True),  # PO / ASN / response number
    sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=True),
    sa.Column("answers_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=True),
    sa.Column("interchange_cn", sa.String(20), nullable=True),
    sa.Column("group_cn", sa.String(20), nullable=True),
    sa.Column("transaction_cn", sa.String(40), nullable=True),
    sa.Column("raw_sha256", sa.String(64), nullable=True),  # bytes received / rendered
    sa.Column("content_sha256", sa.String(64), nullable=True),  # canonical JSON
    sa.Column("detail", sa.Text, nullable=True),  # why quarantined/rejected/refused/dead
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TS, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("dead_from", sa.String(20), nullable=True),
    sa.Column("claimed_by", sa.String(200), nullable=True),
    sa.Column("claim_until", TS, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("transport_id", sa.String(500), nullable=True),
    sa.Column("mic", sa.String(200), nullable=True),
    sa.Column("receipt_status", sa.String(24), nullable=False, server_default="none"),
    sa.Column("ack_status", sa.String(24), nullable=False, server_default="none"),
    sa.Column("response_status", sa.String(24), nullable=False, server_default="none"),
    sa.Column("ack_due_at", TS, nullable=True),
    sa.Column("receipt_due_at", TS, nullable=True),  # an asynchronous MDN expected by then
    sa.Column("response_due_at", TS, nullable=True),
    sa.Column("erp_result", sa.Text, nullable=True),
    sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
    sa.UniqueConstraint("key", name="uq_documents_key"),
    sa.CheckConstraint(f"status IN ({_status_list})", name="ck_documents_status"),
    sa.CheckConstraint(f"flow IN ({_flow_list})", name="ck_documents_flow"),
    sa.CheckConstraint(f"receipt_status IN ({_tracking_list}) AND ack_status IN ({_tracking_list})"
                       f" AND response_status IN ({_tracking_list})",
                       name="ck_documents_tracking"),
    sa.Index("ix_documents_runnable", "status", "next_attempt_at"),
    sa.Index("ix_documents_partner", "partner", "flow", "created_at"),
    sa.Index("ix_documents_parent", "parent_id"),
    sa.Index("ix_documents_group", "partner", "flow", "group_cn"),
    sa.Index("ix_documents_number", "partner", "number"),
)

control_numbers = sa.Table(
    "control_numbers", metadata,
    sa.Column("partner", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),  # ISA13 GS06 ST02 UNB0020 UNH0062 ...
    sa.Column("value", sa.BigInteger, nullable=False),
)

seen_interchanges = sa.Table(
    "seen_interchanges", metadata,
    sa.Column("standard", sa.String(10), primary_key=True),
    sa.Column("sender_qualifier", sa.String(10), primary_key=True),
    sa.Column("sender_id", sa.String(40), primary_key=True),
    sa.Column("control_number", sa.String(20), primary_key=True),
    sa.Column("seen_at", TS, nullable=False),
    sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False),
)

events = sa.Table(
    "events", metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("document_id", sa.Integer, nullable=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("refs", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_events_document", "document_id"),
)

audit_head = sa.Table(
    "audit_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("signature", sa.String(64), nullable=True),
)

partner_state = sa.Table(
    "partner_state", metadata,
    sa.Column("partner", sa.String(200), primary_key=True),
    sa.Column("last_poll_at", TS, nullable=True),
    sa.Column("last_success_at", TS, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("last_error_at", TS, nullable=True),
    sa.Column("next_poll_at", TS, nullable=True),
    sa.Column("lease_owner", sa.String(200), nullable=True),
    sa.Column("lease_until", TS, nullable=True),
    sa.Column("received", sa.BigInteger, nullable=False, server_default="0"),
)

settings = sa.Table(
    "settings", metadata,  # watermarks, the retention clock...
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
