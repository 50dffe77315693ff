"""Where the shared reference material lives (../shared beside the checkout)."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(os.environ.get("EDI_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
