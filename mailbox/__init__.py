"""Transports (installed as ``edi_mailbox``): move bytes, know nothing of EDI syntax."""
