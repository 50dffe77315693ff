"""X12 and UN/EDIFACT translators: read, validate, acknowledge, map, write.

Pure code: bytes in, events and canonical documents out.  Nothing here knows
about transports, stores or the ERP.
"""

from translators import _native

_native.install()  # compiled hot modules only when they match their sources (see _native.py)
