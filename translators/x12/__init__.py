"""ASC X12 (004010, 005010): streaming reader, envelope and schema validation,
997/999/TA1 acknowledgments, mappings to and from the canonical model, writer."""
