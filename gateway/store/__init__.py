"""The gateway's durable store (gateway.store.store) and its schema migrations."""
from gateway.store.store import Backoff, LostClaim, Store, StoreError, migrate, worker_name

__all__ = ["Backoff", "LostClaim", "Store", "StoreError", "migrate", "worker_name"]
