"""Fixed vocabularies the checks compare against (module-level constants)."""
from __future__ import annotations

#: Unit codes partners use: UN/ECE Recommendation 20 (EDIFACT, and X12 from 005010 on) and the
#: common X12 355 codes.  A code not listed here is most likely a typo.
UNIT_CODES = frozenset("""
EA PCE C62 NAR EACH CA CS CT CTN BX BG BO PK PA PL PF PR PAI SET SA DZN DZ GRO GR
KGM KG GRM GM LB LBR ONZ OZ TNE MC MGM TN
MTR MR CMT CM MMT MM KMT FOT FT INH IN YRD YD
LTR LT MLT ML GLL GA GAL QT PT MTQ CR FTQ CF
MTK SM FTK SF HUR HR MIN DAY DA WEE WK MON MO ANN
RL RO TU TB CY KT SH BE BD
""".split())

#: XML IDs of the units Odoo ships in module ``uom`` (16, 17, 18).
ODOO_UOM_XML_IDS = frozenset("""
uom.product_uom_unit uom.product_uom_dozen uom.product_uom_kgm uom.product_uom_gram
uom.product_uom_ton uom.product_uom_lb uom.product_uom_oz uom.product_uom_litre
uom.product_uom_cubic_meter uom.product_uom_gal uom.product_uom_floz uom.product_uom_qt
uom.product_uom_cubic_inch uom.product_uom_cubic_foot uom.product_uom_meter uom.product_uom_km
uom.product_uom_cm uom.product_uom_millimeter uom.product_uom_inch uom.product_uom_foot
uom.product_uom_yard uom.product_uom_mile uom.product_uom_square_meter
uom.product_uom_square_foot uom.product_uom_hour uom.product_uom_day uom.uom_square_meter
uom.uom_square_foot
""".split())

#: canonical ProductId.scheme values (translators/canonical.py)
PRODUCT_SCHEMES = ("buyer", "vendor", "gtin", "manufacturer", "sku")

#: where a product identifier is looked up in Odoo
PRODUCT_TARGETS = ("default_code", "barcode", "supplierinfo")

#: canonical statuses (OrderResponse.status and ResponseLine.status)
STATUSES = ("accepted", "accepted_with_changes", "rejected", "quantity_changed", "date_changed",
            "price_changed", "changed", "backordered", "substituted")

SECRET_FIELDS = (
    ("transport", "sftp", "key"),
    ("transport", "sftp", "passphrase"),
    ("transport", "as2", "our_key"),
    ("transport", "as2", "our_key_passphrase"),
    ("transport", "as2", "http_password"),
)

PLACEHOLDER_PREFIX = "<fill in:"
