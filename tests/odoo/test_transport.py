"""Connecting: API key references, version detection, and how Odoo failures reach the engine
(unreachable -> TransientError, the document waits; refused -> PermanentError with the reason)."""
import datetime as dt

import pytest

from gateway.connectors.base import Delivery
from gateway.errors import PermanentError, TransientError
from gateway.odoo.connector import OdooConnector
from tests.odoo.world import ROOT, Profiles, World, profiles
from translators import canonical as c


def _settings(w, **kw):
    return {"url": w.server.url, "database": "odoo", "user": "edi", "api_key": "env:K", **kw}


@pytest.mark.parametrize("version", [16, 17, 18])
def test_version_detected_and_checked(version):
    with World(version) as w:
        assert w.connector().version == version
        other = 17 if version != 17 else 18
        with pytest.raises(PermanentError, match=f"connector.version is {other}.*Odoo {version}"):
            w.connector(version=str(other))


def test_api_key_must_be_a_reference_and_right():
    with World(17) as w:
        with pytest.raises(PermanentError, match="api_key"):
            OdooConnector.from_config(_settings(w, api_key="secret-key"), profiles=Profiles(profiles()),
                                      base_dir=ROOT, env={})
        with pytest.raises(PermanentError, match="refused the login|connector.user"):
            OdooConnector.from_config(_settings(w), profiles=Profiles(profiles()), base_dir=ROOT,
                                      env={"K": "wrong"})
        with pytest.raises(PermanentError, match="connector.url"):
            OdooConnector.from_config(_settings(w, url="ftp://odoo"), profiles=Profiles(profiles()),
                                      base_dir=ROOT, env={"K": "secret-key"})


def test_unreachable_odoo_is_transient_and_nothing_is_written():
    with World(17) as w:
        po = w.purchase_order("P00042", w.acme, [(w.products[0], 10.0, 5.0)])
        conn = w.connector()
        doc = c.OrderResponse("V-1", dt.date(2026, 12, 1), "P00042", "accepted")
        w.server.httpd.shutdown()
        w.server.httpd.server_close()
        with pytest.raises(TransientError, match="unreachable"):
            conn.deliver(Delivery("k", "acme-parts", doc))
        assert w.odoo.data["purchase.order"][po]["partner_ref"] is False


def test_odoo_refusal_is_permanent_with_odoos_message():
    with World(17) as w:
        conn = w.connector()
        with pytest.raises(PermanentError, match="Invalid field 'no_such_field'"):
            conn.rpc.execute_kw("purchase.order", "search_read", [[]], {"fields": ["no_such_field"]})
