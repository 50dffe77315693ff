"""Odoo connector (16, 17, 18 over JSON-RPC): see gateway.odoo.connector."""
from gateway.odoo.connector import OdooConnector

__all__ = ["OdooConnector"]
