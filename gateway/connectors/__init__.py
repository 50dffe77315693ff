"""ERP connectors: the engine delivers canonical documents to them and extracts outbound ones."""
