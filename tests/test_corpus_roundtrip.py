"""Every canonical document read from the public corpus renders back, in both
standards and all four versions, and reads back equal — or the writer refuses it
with a clear EDIError (e.g. an X12 value that contains a delimiter)."""
from __future__ import annotations

import csv
import io
import re

import pytest

from shared_paths import CORPUS
from translators import canonical, pipeline
from translators.findings import EDIError

TARGETS = [("x12", "004010"), ("x12", "005010"), ("edifact", "D96A"), ("edifact", "D01B")]


def _documents():
    rows = list(csv.DictReader(open(CORPUS / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t"))
    for row in rows:
        raw = (CORPUS / row["path"]).read_bytes()
        for n, item in enumerate(pipeline.translate(io.BytesIO(raw))):
            if item.document is not None and not isinstance(item.document,
                                                            canonical.FunctionalAck):
                yield pytest.param(item, id=f"{row['path']}#{n}")


DOCUMENTS = list(_documents()) if CORPUS.is_dir() else []


def _same_standard(item: pipeline.Item) -> tuple[str, str, str] | None:
    """(standard, version, association) the source document came in, if we write it."""
    if item.standard == "x12":
        base = item.version[:6]
        return ("x12", base, "") if base in ("004010", "005010") else None
    directory, _, association = item.version.partition(":")
    return ("edifact", directory, association) if directory in ("D96A", "D01B") else None


def _round_trip(data: dict, standard: str, version: str, association: str = ""):
    raw = pipeline.render(data, standard=standard, version=version, sender="SENDER01",
                          receiver="RECEIVER01", association=association or None)
    back = [i for i in pipeline.translate(io.BytesIO(raw)) if i.kind == "document"]
    assert len(back) == 1, (standard, version)
    assert not back[0].has_errors, [f.describe() for f in back[0].findings]
    return back[0].document


@pytest.mark.parametrize("item", DOCUMENTS)
def test_corpus_document_round_trips(item: pipeline.Item) -> None:
    data = canonical.document_to_dict(item.document)
    assert canonical.document_from_dict(data) == item.document  # the JSON shape is lossless
    same = _same_standard(item)
    if same is not None and not item.has_errors:
        # valid in, valid out: a document that arrived valid is written back in its own
        # standard, version and subset, and reads back equal
        assert _round_trip(data, *same) == item.document
    for standard, version in TARGETS:
        try:
            document = _round_trip(data, standard, version)
        except EDIError as exc:
            # the writers refuse what they cannot write validly, and say what and why
            assert re.search(r"has no (X12|EDIFACT) code|cannot be written as valid|is not a",
                             str(exc)), str(exc)
            continue
        assert document == item.document, (standard, version)
