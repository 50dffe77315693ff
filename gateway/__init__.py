"""The gateway engine: pipeline, store, audit trail, acknowledgments, ERP
connectors and scheduling.  It wires translators and mailboxes together."""
