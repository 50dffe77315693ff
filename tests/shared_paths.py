"""Where the shared reference material lives (../shared beside the checkout)."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(os.environ.get("EDI_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"


def sibling(test_file: str, name: str):  # type: ignore[no-untyped-def]
    """The test module ``name`` in the folder of ``test_file``, loaded once under a name of
    its own (tests/x12 and tests/edifact both have a test_reader.py: importing it by its
    bare name would give whichever came first)."""
    import importlib.util
    import sys
    folder = pathlib.Path(test_file).resolve().parent
    key = f"_sibling_{folder.name}_{name}"
    module = sys.modules.get(key)
    if module is None:
        spec = importlib.util.spec_from_file_location(key, folder / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return module
