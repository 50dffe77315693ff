"""X12 transaction-set schemas: load the XML data once, compile lookup tables.

The schemas live in ``translators/x12/schemas`` (pyx12-map-like XML):
``index.xml`` maps (version, set id) to a transaction file and each version to
its data-element dictionary.  A transaction file nests ``loop`` and
``segment`` nodes; a segment holds ``element`` and ``composite`` (with
``component``) nodes and ``syntax`` notes (``P0304``, ``R0203``, ``C0405``,
``E0102``, ``L010203``).  An ``element`` may carry ``valid_codes`` (space
separated); ``partial="yes"`` marks a list that holds only the codes the
mappings rely on, so a value outside it is a warning, not an error.

Compiled form (``TransactionSchema``):

* ``nodes``: the segment nodes in document order (node 0 is ST, the last SE);
* ``transitions[state]``: tag -> ``Transition`` (where a segment with that tag
  goes from the node last matched, which mandatory nodes it skips and what it
  does to the loop counters), computed once per state by one forward scan;
* ``fast_checkers(delimiters)``: per node and element count one regular
  expression (compiled on first use) that accepts exactly the valid segments,
  so the validator runs the detailed checks only when it fails;
* ``native_check(segment, delimiters)``: the same answer from the C checker of
  translators/x12/_c_segcheck.c (built from ``checker_spec``), used instead of the
  regular expressions where it is built.

Compiled schemas are cached per (version, set id) with ``functools.lru_cache``;
the per-delimiter regular expressions likewise.
"""
from __future__ import annotations

import datetime as _dt
import functools
import os
import pathlib
import re
from dataclasses import dataclass
from typing import Callable, Optional

from lxml import etree

SCHEMA_DIR = pathlib.Path(__file__).resolve().parent / "schemas"
UNBOUNDED = 1 << 30

#: Transition kinds.
ADVANCE, SAME, ENTER_LOOP, REPEAT_LOOP = 0, 1, 2, 3

_VERSION_RE = re.compile(r"^(00[0-9]{4})")


@functools.lru_cache(maxsize=64)
def base_version(version: str) -> Optional[str]:
    """'004010VICS', '005010X231A1' -> '004010' / '005010'; None when unsupported.
    Memoized: the validator asks once per transaction set, with a handful of versions."""
    m = _VERSION_RE.match((version or "").strip())
    if not m:
        return None
    base = m.group(1)
    return base if base in supported_versions() else None


# --------------------------------------------------------------------------
# Definitions (as loaded from XML)


@dataclass(frozen=True, slots=True)
class SimpleDef:
    ref: str  # data element number
    type: str  # N0..N9, R, ID, AN, DT, TM, B
    min: int
    max: int
    usage: str  # M, O, X
    codes: Optional[frozenset[str]] = None
    codes_partial: bool = False


@dataclass(frozen=True, slots=True)
class ElementDef:
    seq: int
    xid: str  # e.g. PO103
    usage: str
    repeat: int
    simple: Optional[SimpleDef]  # None for composites
    composite_ref: Optional[str] = None
    components: tuple[SimpleDef, ...] = ()
    notes: tuple["SyntaxNote", ...] = ()  # composite syntax notes (component positions)

    @property
    def ref(self) -> str:
        return self.simple.ref if self.simple is not None else (self.composite_ref or "")


@dataclass(frozen=True, slots=True)
class SyntaxNote:
    kind: str  # P R C E L
    positions: tuple[int, ...]
    text: str


@dataclass(frozen=True, slots=True)
class SegmentDef:
    tag: str
    name: str
    elements: tuple[ElementDef, ...]
    notes: tuple[SyntaxNote, ...]


@dataclass(frozen=True, slots=True)
class Node:
    """A segment position in a transaction set."""
    index: int
    segment: SegmentDef
    usage: str  # M O X
    max_use: int
    loops: tuple[int, ...]  # indices into TransactionSchema.loops, outer to inner
    loop_id: Optional[str]  # AK303: id of the innermost loop (its first segment id)
    loop_first: bool  # this node starts its innermost loop

    @property
    def tag(self) -> str:
        return self.segment.tag


@dataclass(frozen=True, slots=True)
class Loop:
    index: int
    loop_id: str
    usage: str
    repeat: int
    first: int  # node index of the loop's first segment
    last: int  # node index of the loop's last descendant
    depth: int  # 1 = directly under the transaction


@dataclass(frozen=True, slots=True)
class Transition:
    target: int
    kind: int  # ADVANCE | SAME | ENTER_LOOP | REPEAT_LOOP
    depth: int  # loop depth for ENTER_LOOP / REPEAT_LOOP
    limit: int  # max use (SAME) or loop repeat (REPEAT_LOOP)
    skipped: tuple[int, ...]  # mandatory nodes passed over (AK304=3 each)


def parse_note(text: str) -> SyntaxNote:
    text = text.strip()
    kind, digits = text[0], text[1:]
    if kind not in "PRCEL" or len(digits) < 4 or len(digits) % 2:
        raise ValueError(f"bad syntax note {text!r}")
    return SyntaxNote(kind, tuple(int(digits[i:i + 2]) for i in range(0, len(digits), 2)), text)


def _count(text: Optional[str]) -> int:
    if text is None or text.strip() in (">1", ""):
        return UNBOUNDED
    return int(text)


@functools.lru_cache(maxsize=None)
def _index() -> dict[str, tuple[str, dict[str, str]]]:
    tree = etree.parse(str(SCHEMA_DIR / "index.xml"))
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for v in tree.getroot().iter("version"):
        out[v.get("id")] = (v.get("dataele"), {t.get("id"): t.get("file") for t in v.iter("transaction")})
    return out


def supported_versions() -> frozenset[str]:
    return frozenset(_index())


def supported_sets(version: str) -> frozenset[str]:
    entry = _index().get(version)
    return frozenset(entry[1]) if entry else frozenset()


@dataclass(frozen=True, slots=True)
class Dictionary:
    elements: dict[str, tuple[str, int, int]]  # ref -> (type, min, max)
    segment_ids: frozenset[str]


@functools.lru_cache(maxsize=None)
def dictionary(version: str) -> Dictionary:
    path, _ = _index()[version]
    root = etree.parse(str(SCHEMA_DIR / path)).getroot()
    els = {e.get("ele_num"): (e.get("data_type"), int(e.get("min_len")), int(e.get("max_len")))
           for e in root.iter("data_ele")}
    ids = frozenset((root.findtext("segment_ids") or "").split())
    return Dictionary(els, ids)


def _simple(x: etree._Element, d: Dictionary) -> SimpleDef:
    ref = x.get("ref")
    typ, mn, mx = d.elements[ref]
    codes = None
    partial = False
    vc = x.find("valid_codes")
    if vc is not None:
        codes = frozenset((vc.text or "").split())
        partial = vc.get("partial") == "yes"
    return SimpleDef(ref, typ, mn, mx, x.get("usage", "O"), codes, partial)


def _segment(x: etree._Element, d: Dictionary) -> SegmentDef:
    elements = []
    for child in x:
        if child.tag == "element":
            elements.append(ElementDef(int(child.get("seq")), child.get("xid"), child.get("usage", "O"),
                                       _count(child.get("repeat", "1")), _simple(child, d)))
        elif child.tag == "composite":
            comps = tuple(_simple(c, d) for c in child.iter("component"))
            notes = tuple(parse_note(n.text) for n in child.findall("syntax"))
            elements.append(ElementDef(int(child.get("seq")), child.get("xid"), child.get("usage", "O"),
                                       _count(child.get("repeat", "1")), None, child.get("ref"), comps, notes))
    elements.sort(key=lambda e: e.seq)
    for i, e in enumerate(elements, 1):
        if e.seq != i:
            raise ValueError(f"segment {x.get('xid')}: element sequence gap at {i}")
    notes = tuple(parse_note(n.text) for n in x.findall("syntax"))
    return SegmentDef(x.get("xid"), x.get("name", ""), tuple(elements), notes)


# --------------------------------------------------------------------------
# Compiled transaction set


class TransactionSchema:
    """One transaction set of one version, compiled for the validator."""

    def __init__(self, version: str, set_id: str, root: etree._Element, d: Dictionary) -> None:
        self.version = version
        self.set_id = set_id
        self.name = root.get("name", "")
        self.segment_ids = d.segment_ids
        nodes: list[Node] = []
        loops: list[Loop] = []
        seg_cache: dict[bytes, SegmentDef] = {}

        def walk(parent: etree._Element, chain: tuple[int, ...]) -> None:
            for child in parent:
                if child.tag == "segment":
                    key = etree.tostring(child)
                    sd = seg_cache.get(key)
                    if sd is None:
                        sd = seg_cache[key] = _segment(child, d)
                    first = bool(chain) and loops_first.get(chain[-1]) is None
                    if first:
                        loops_first[chain[-1]] = len(nodes)
                    nodes.append(Node(len(nodes), sd, child.get("usage", "O"), _count(child.get("max_use")),
                                      chain, loop_ids[chain[-1]] if chain else None, first))
                elif child.tag == "loop":
                    li = len(loop_specs)
                    loop_specs.append(child)
                    loop_ids.append("")
                    start = len(nodes)
                    walk(child, chain + (li,))
                    if len(nodes) == start or nodes[start].loops[-1] != li:
                        raise ValueError(f"loop {child.get('xid')} must start with a segment")
                    loop_ids[li] = nodes[start].tag
                    loop_ranges[li] = (start, len(nodes) - 1, len(chain) + 1)

        loop_specs: list[etree._Element] = []
        loop_ids: list[str] = []
        loop_ranges: dict[int, tuple[int, int, int]] = {}
        loops_first: dict[int, int] = {}
        # loop ids are known only after a loop's first segment is read: fill them in a second pass
        walk(root, ())
        nodes = [Node(n.index, n.segment, n.usage, n.max_use, n.loops,
                      loop_ids[n.loops[-1]] if n.loops else None, n.loop_first) for n in nodes]
        for li, spec in enumerate(loop_specs):
            a, b, depth = loop_ranges[li]
            loops.append(Loop(li, loop_ids[li], spec.get("usage", "O"), _count(spec.get("repeat")), a, b, depth))
        if not nodes or nodes[0].tag != "ST" or nodes[-1].tag != "SE":
            raise ValueError(f"{version}/{set_id}: a transaction must start with ST and end with SE")
        self.nodes: tuple[Node, ...] = tuple(nodes)
        self.loops: tuple[Loop, ...] = tuple(loops)
        self.max_depth = max((lp.depth for lp in loops), default=0)  # deepest loop nesting
        self.tags: frozenset[str] = frozenset(n.tag for n in nodes)
        first_pos: dict[str, int] = {}
        for n in nodes:
            first_pos.setdefault(n.tag, n.index)
        self.first_position = first_pos
        self.transitions: tuple[dict[str, Transition], ...] = tuple(self._scan(p) for p in range(len(nodes)))
        self.end_missing: tuple[tuple[int, ...], ...] = tuple(
            t["SE"].skipped if "SE" in t else () for t in self.transitions)

    def _scan(self, p: int) -> dict[str, Transition]:
        """Where each tag goes from node p (first match in X12 order wins)."""
        nodes, loops = self.nodes, self.loops
        node = nodes[p]
        out: dict[str, Transition] = {}
        if not node.loop_first and node.index != 0:
            out[node.tag] = Transition(p, SAME, 0, node.max_use, ())
        skipped: list[int] = []
        chain = node.loops
        start = p + 1
        for depth in range(len(chain), -1, -1):
            end = loops[chain[depth - 1]].last if depth else len(nodes) - 1
            i = start
            while i <= end:
                n = nodes[i]
                if len(n.loops) == depth:
                    if n.tag not in out:
                        out[n.tag] = Transition(i, ADVANCE, depth, n.max_use, tuple(skipped))
                    if n.usage == "M":
                        skipped.append(i)
                    i += 1
                else:
                    lp = loops[n.loops[depth]]
                    if n.tag not in out:
                        out[n.tag] = Transition(i, ENTER_LOOP, lp.depth, lp.repeat, tuple(skipped))
                    if lp.usage == "M":
                        skipped.append(i)
                    i = lp.last + 1
            if depth:
                lp = loops[chain[depth - 1]]
                first = nodes[lp.first]
                if first.tag not in out:
                    out[first.tag] = Transition(lp.first, REPEAT_LOOP, lp.depth, lp.repeat, tuple(skipped))
                start = lp.last + 1
        return out

    def fast_checkers(self, element: str, component: str, repetition: Optional[str]
                      ) -> tuple[list, ...]:
        """Per node: matchers indexed by len(elements) (tag included) for these delimiters.

        ``matchers[n]`` is the ``fullmatch`` of a regex over ``element.join(elements)`` that
        accepts exactly the valid segments with n elements; it is compiled on first use.
        An index past the list means too many elements."""
        return _fast_checkers(self.version, self.set_id, element, component, repetition)


@functools.lru_cache(maxsize=64)
def load(version: str, set_id: str) -> Optional[TransactionSchema]:
    """The compiled schema of a base version ('004010') and set id, or None."""
    entry = _index().get(version)
    if entry is None or set_id not in entry[1]:
        return None
    root = etree.parse(str(SCHEMA_DIR / entry[1][set_id])).getroot()
    return TransactionSchema(version, set_id, root, dictionary(version))


# --------------------------------------------------------------------------
# Fast path: one regular expression per segment definition

_MAX_GROUP = 10
_ENUMERATE = 3  # larger note groups use lookaheads instead of enumerated combinations


def _code_trie(codes: list[str]) -> str:
    """A regex matching exactly the given codes, factored by leading character."""
    heads: dict[str, list[str]] = {}
    for c in codes:
        heads.setdefault(c[0], []).append(c[1:])
    alts = []
    for head in sorted(heads):
        tails = heads[head]
        optional = "" in tails
        rest = [t for t in tails if t]
        if not rest:
            alts.append(re.escape(head))
            continue
        if all(len(t) == 1 for t in rest):
            sub = ("[" + "".join(re.escape(t) for t in sorted(rest)) + "]") if len(rest) > 1 else re.escape(rest[0])
        else:
            sub = _code_trie(rest)
        alts.append(re.escape(head) + (f"(?:{sub})?" if optional else sub))
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def _value_pattern(sd: SimpleDef, text_class: str) -> Optional[str]:
    t, mn, mx = sd.type, sd.min, sd.max
    if t == "ID" and sd.codes is not None:
        codes = sorted(c for c in sd.codes if c)
        return _code_trie(codes) if codes else None
    if t in ("AN", "ID"):
        return f"{text_class}{{{mn},{mx}}}"
    if t.startswith("N") and t[1:].isdigit():
        return rf"-?\d{{{mn},{mx}}}"
    if t == "R":
        if mn > 1:
            return rf"-?(?:\d{{{mn},{mx}}}|(?=[\d.]{{{mn + 1},{mx + 1}}}(?![\d.]))\d*\.\d*)"
        half = max(mx // 2, 1)  # never too long; a valid value with more decimals takes the slow path
        return rf"-?(?:\d{{1,{half}}}(?:\.\d{{0,{half}}})?|\d{{{half + 1},{mx}}}|\.\d{{1,{half}}})"
    if t == "DT":
        # every valid month/day except 29 February (leap years take the slow path)
        day = (r"(?:(?:0[1-9]|1[0-2])(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])(?:29|30)"
               r"|(?:0[13578]|1[02])31)")
        alts = []
        if mn <= 8 <= mx:
            alts.append(r"\d{4}" + day)
        if mn <= 6 <= mx:
            alts.append(r"\d\d" + day)
        return "(?:" + "|".join(alts) + ")" if alts else None
    if t == "TM":
        hhmm = r"(?:[01]\d|2[0-3])[0-5]\d"
        alts = []
        for length, tail in ((4, ""), (6, r"[0-5]\d"), (7, r"[0-5]\d\d"), (8, r"[0-5]\d\d\d")):
            if mn <= length <= mx:
                alts.append(hhmm + tail)
        return "(?:" + "|".join(alts) + ")" if alts else None
    return None  # B and anything unknown: detailed checks


_SIMPLE_RUN = re.compile(r"(\[[^\]]*\])\{([01]),(\d+)\}")


def _optional(v: str) -> str:
    """Pattern for an optional field: 'X{1,n}' becomes the cheaper 'X{0,n}'."""
    m = _SIMPLE_RUN.fullmatch(v)
    if m:
        return f"{m.group(1)}{{0,{m.group(3)}}}"
    return f"(?:{v})?"


def _presence_ok(notes: tuple[SyntaxNote, ...], present: dict[int, bool]) -> bool:
    """Whether presence flags satisfy the notes (positions not in present are absent)."""
    for n in notes:
        vals = [present.get(p, False) for p in n.positions]
        if n.kind == "P" and any(vals) and not all(vals):
            return False
        if n.kind == "R" and not any(vals):
            return False
        if n.kind == "C" and vals[0] and not all(vals[1:]):
            return False
        if n.kind == "E" and sum(vals) > 1:
            return False
        if n.kind == "L" and vals[0] and not any(vals[1:]):
            return False
    return True


def _groups(count: int, notes: tuple[SyntaxNote, ...]) -> list[tuple[int, int]]:
    """Contiguous spans of positions 1..count tied together by notes (positions past count are absent)."""
    owner = list(range(count + 1))

    def find(a: int) -> int:
        while owner[a] != a:
            owner[a] = owner[owner[a]]
            a = owner[a]
        return a

    for n in notes:
        ps = [p for p in n.positions if 1 <= p <= count]
        if ps:
            lo, hi = min(ps), max(ps)
            for q in range(lo, hi + 1):
                owner[find(q)] = find(lo)
    spans: dict[int, list[int]] = {}
    for p in range(1, count + 1):
        spans.setdefault(find(p), []).append(p)
    merged: list[tuple[int, int]] = []
    for a, b in sorted((min(v), max(v)) for v in spans.values()):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _combos(parts: list[Optional[str]], usages: list[str], notes: tuple[SyntaxNote, ...],
            positions: list[int]) -> list[dict[int, bool]]:
    """Presence combinations of positions that satisfy usage and the notes within them."""
    k = len(positions)
    pos = set(positions)
    relevant = tuple(n for n in notes if {p for p in n.positions if p <= max(positions)} <= pos
                     and pos & set(n.positions))
    out = []
    for mask in range(1 << k):
        present = {positions[j]: bool(mask >> j & 1) for j in range(k)}
        if any(usages[j] == "M" and not present[positions[j]] for j in range(k)):
            continue
        if any(present[positions[j]] and parts[j] is None for j in range(k)):
            continue  # a present value the fast path cannot check
        if _presence_ok(relevant, present):
            out.append(present)
    return out


def _composite_pattern(ed: ElementDef, text_class: str, comp: str) -> Optional[str]:
    parts = [_value_pattern(c, text_class) for c in ed.components]
    positions = list(range(1, len(parts) + 1))
    if len(positions) > _MAX_GROUP:
        return None
    alts = []
    sep = re.escape(comp)
    for present in _combos(parts, [c.usage for c in ed.components], ed.notes, positions):
        last = max((p for p in positions if present[p]), default=0)
        if last:
            alts.append(sep.join(parts[p - 1] if present[p] else "" for p in range(1, last + 1)))  # type: ignore
    if not alts:
        return None
    return "(?:" + "|".join(alts) + ")"


def _note_lookahead(n: SyntaxNote, element: str) -> str:
    """A zero-width test of a syntax note, placed at the start of the segment text."""
    sep = re.escape(element)

    def has(k: int) -> str:
        return f"(?:[^{sep}]*{sep}){{{k}}}[^{sep}]"

    ps = n.positions
    if n.kind == "P":
        return ("(?:" + "".join(f"(?={has(p)})" for p in ps) + "|"
                + "".join(f"(?!{has(p)})" for p in ps) + ")")
    if n.kind == "R":
        return "(?=" + "|".join(has(p) for p in ps) + ")"
    if n.kind == "C":
        return f"(?:(?!{has(ps[0])})|" + "".join(f"(?={has(p)})" for p in ps[1:]) + ")"
    if n.kind == "E":
        return "".join(f"(?!(?={has(a)}){has(b)})" for i, a in enumerate(ps) for b in ps[i + 1:])
    return f"(?:(?!{has(ps[0])})|(?=" + "|".join(has(p) for p in ps[1:]) + "))"  # L


def segment_regex(sd: SegmentDef, count: int, element: str, component: str, repetition: Optional[str]) -> str:
    """Regex over 'TAG*e1*...*e<count>' (exactly count elements) accepting only valid segments."""
    if count > len(sd.elements):
        return "(?!)"
    specials = {element, component} | ({repetition} if repetition else set())
    text_class = "[^" + "".join(re.escape(c) for c in sorted(specials)) + r"\x00-\x1f\x7f]"
    sep = re.escape(element)
    rep = re.escape(repetition) if repetition else None
    # elements past count are absent: mandatory ones and unsatisfiable notes fail outright
    if any(ed.usage == "M" for ed in sd.elements[count:]):
        return "(?!)"
    if any(not _presence_ok((n,), {}) for n in sd.notes if min(n.positions) > count):
        return "(?!)"
    values: list[Optional[str]] = []
    for ed in sd.elements[:count]:
        if ed.simple is not None:
            v = _value_pattern(ed.simple, text_class)
        else:
            v = _composite_pattern(ed, text_class, component)
        if v is not None and ed.repeat > 1 and rep is not None:
            more = "" if ed.repeat >= UNBOUNDED else str(ed.repeat - 1)
            v = f"(?:{v})(?:{rep}(?:{v})){{0,{more}}}"
        values.append(v)
    out = [re.escape(sd.tag)]
    heads: list[str] = []
    notes = tuple(n for n in sd.notes if min(n.positions) <= count)
    for a, b in _groups(count, notes):
        positions = list(range(a, b + 1))
        parts = [values[p - 1] for p in positions]
        usages = [sd.elements[p - 1].usage for p in positions]
        tied = [n for n in notes if set(n.positions) & set(positions)]
        if not tied or len(positions) > _ENUMERATE:
            for v, usage in zip(parts, usages):
                if v is None:
                    if usage == "M":
                        return "(?!)"
                    out.append(sep)
                else:
                    out.append(sep + (v if usage == "M" else _optional(v)))
            for n in tied:
                heads.append(_note_lookahead(n, element))
            continue
        combos = _combos(parts, usages, notes, positions)
        if not combos:
            return "(?!)"
        seqs = [tuple((parts[j] if present[positions[j]] else "") for j in range(len(positions)))
                for present in combos]
        out.append(sep + _factor(seqs, sep))  # type: ignore[arg-type]  # present parts are str
    return "".join(heads + out)


def _factor(seqs: list[tuple[str, ...]], sep: str) -> str:
    """Alternation of equally long field sequences, factored by common leading fields
    (present values tried first) so no field is matched twice."""
    firsts: dict[str, list[tuple[str, ...]]] = {}
    for q in seqs:
        firsts.setdefault(q[0], []).append(q[1:])
    alts = []
    for head in sorted(firsts, key=lambda h: h == ""):
        rests = firsts[head]
        body = f"(?:{head})" if head else ""
        if rests[0]:
            body += sep + _factor(rests, sep)
        alts.append(body)
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


class _LazyMatcher:
    """Compiles the regex for one element count on first use, then replaces itself."""

    __slots__ = ("slots", "n", "sd", "delims")

    def __init__(self, slots: list, n: int, sd: SegmentDef, delims: tuple[str, str, Optional[str]]) -> None:
        self.slots, self.n, self.sd, self.delims = slots, n, sd, delims

    def __call__(self, text: str) -> Optional[re.Match]:
        element, component, repetition = self.delims
        fullmatch = re.compile(segment_regex(self.sd, self.n - 1, element, component, repetition),
                               re.DOTALL).fullmatch
        self.slots[self.n] = fullmatch
        return fullmatch(text)


def _no_match(text: str) -> None:
    return None


@functools.lru_cache(maxsize=256)
def _fast_checkers(version: str, set_id: str, element: str, component: str, repetition: Optional[str]
                   ) -> tuple[list, ...]:
    schema = load(version, set_id)
    assert schema is not None
    compiled: dict[SegmentDef, list] = {}
    out = []
    delims = (element, component, repetition)
    for node in schema.nodes:
        sd = node.segment
        entry = compiled.get(sd)
        if entry is None:
            limit = len(sd.elements) + 1  # len(elements) of a segment, tag included
            slots: list = [_no_match] * (limit + 1)
            for n in range(1, limit + 1):
                slots[n] = _LazyMatcher(slots, n, sd, delims)
            entry = compiled[sd] = slots
        out.append(entry)
    return tuple(out)


# --------------------------------------------------------------------------
# Fastest path: the C checker (translators/x12/_c_segcheck.c), where it is built

_TYPE_CODES = {"AN": 1, "ID": 2, "B": 4, "R": 6, "DT": 7, "TM": 8}
_NOTE_KINDS = {"P": 1, "R": 2, "C": 3, "E": 4, "L": 5}


def _simple_spec(sd: SimpleDef, mandatory: bool) -> tuple:
    if sd.type == "ID" and sd.codes is not None:
        kind = 3
    elif sd.type.startswith("N") and sd.type[1:].isdigit():
        kind = 5
    else:
        kind = _TYPE_CODES.get(sd.type, 0)  # 0: never accepted, the detailed checks decide
    return (kind, sd.min, sd.max, sd.codes if kind == 3 else None, int(mandatory))


def _notes_spec(notes: tuple[SyntaxNote, ...]) -> tuple:
    return tuple((_NOTE_KINDS[n.kind], n.positions) for n in notes)


def checker_spec(sd: SegmentDef) -> tuple:
    """The description of a segment definition that ``_c_segcheck.Checker`` compiles
    (its format is in the C file's header)."""
    return (len(sd.elements), tuple(
        (ed.seq, int(ed.usage == "M"), ed.repeat,
         _simple_spec(ed.simple, ed.usage == "M") if ed.simple is not None else None,
         tuple(_simple_spec(c, c.usage == "M") for c in ed.components), _notes_spec(ed.notes))
        for ed in sd.elements), _notes_spec(sd.notes))


def _native() -> tuple[Optional[type], Optional[Callable[..., tuple[int, int, int]]]]:
    """``_c_segcheck.Checker`` and ``_c_segcheck.advance`` when they are built and not
    disabled by EDI_GATEWAY_PURE=1."""
    if os.environ.get("EDI_GATEWAY_PURE", "") not in ("", "0"):
        return None, None
    try:
        from translators.x12 import _c_segcheck  # type: ignore[attr-defined]
    except ImportError:
        return None, None
    return _c_segcheck.Checker, _c_segcheck.advance


#: The C checker class, or None (then the regular expressions above are the fast path), and
#: the validator's hot loop in C (translators/x12/validator.py), or None.
NativeChecker, native_advance = _native()


@functools.lru_cache(maxsize=1024)
def native_check(sd: SegmentDef, component: str, repetition: Optional[str]) -> Optional[Callable[[list[str]], bool]]:
    """``check(elements)``: True only when ``check_segment`` finds no problem at all in a
    segment of this definition (False: let it decide); None without the C checker."""
    if NativeChecker is None:
        return None
    try:
        checker = NativeChecker(checker_spec(sd), component, repetition)
    except ValueError:  # a definition or delimiter it does not take: the regex path serves
        return None
    return checker.check  # type: ignore[no-any-return]


# --------------------------------------------------------------------------
# Detailed checks (slow path): one list of problems per segment

#: (AK403 code, element position, component position, repetition, element ref, bad value, message, partial)
Problem = tuple[str, int, Optional[int], Optional[int], str, Optional[str], str, bool]

_NUMERIC = re.compile(r"-?\d+")
_REAL = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _valid_date(v: str) -> bool:
    try:
        if len(v) == 8:
            _dt.date(int(v[:4]), int(v[4:6]), int(v[6:]))
        elif len(v) == 6:
            _dt.date(2000 + int(v[:2]), int(v[2:4]), int(v[4:]))
        else:
            return False
    except ValueError:
        return False
    return True


def _valid_time(v: str) -> bool:
    if len(v) not in (4, 6, 7, 8):
        return False
    return int(v[:2]) < 24 and int(v[2:4]) < 60 and (len(v) < 6 or int(v[4:6]) < 60)


def check_value(sd: SimpleDef, v: str) -> list[tuple[str, str, bool]]:
    """Problems of one non-empty simple value: (code, message, partial-code-list)."""
    t = sd.type
    out: list[tuple[str, str, bool]] = []
    if t == "ID" and sd.codes is not None:
        if v not in sd.codes:
            out.append(("7", f"code {v!r} not in the code list of element {sd.ref}", sd.codes_partial))
        return out
    if t in ("AN", "ID", "B"):
        if t != "B" and _CONTROL.search(v):
            out.append(("6", f"control character in element {sd.ref}", False))
        length = len(v)
    elif t == "R" or (t.startswith("N") and t[1:].isdigit()):
        if not (_REAL if t == "R" else _NUMERIC).fullmatch(v):
            out.append(("6", f"{v!r} is not {'a decimal' if t == 'R' else 'numeric'} (element {sd.ref})", False))
        length = len(v) - v.count("-") - v.count(".")
    elif t == "DT":
        if v.isdigit() and sd.min <= len(v) <= sd.max and _valid_date(v):
            return out
        if v.isdigit() and len(v) < sd.min:
            return [("4", f"date {v!r} too short", False)]
        if v.isdigit() and len(v) > sd.max:
            return [("5", f"date {v!r} too long", False)]
        return [("8", f"invalid date {v!r}", False)]
    elif t == "TM":
        if v.isdigit() and sd.min <= len(v) <= sd.max and _valid_time(v):
            return out
        if v.isdigit() and len(v) < sd.min:
            return [("4", f"time {v!r} too short", False)]
        if v.isdigit() and len(v) > sd.max:
            return [("5", f"time {v!r} too long", False)]
        return [("9", f"invalid time {v!r}", False)]
    else:
        length = len(v)
    if length < sd.min and not out:  # a value already bad in kind is not also reported short
        out.append(("4", f"element {sd.ref} too short ({length} < {sd.min})", False))
    elif length > sd.max:
        out.append(("5", f"element {sd.ref} too long ({length} > {sd.max})", False))
    return out


def _note_problems(notes: tuple[SyntaxNote, ...], present: dict[int, bool]) -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    for n in notes:
        ps = n.positions
        vals = [present.get(p, False) for p in ps]
        if n.kind == "P" and any(vals) and not all(vals):
            out.extend(("2", p, f"{n.text}: paired element {p:02d} missing") for p, v in zip(ps, vals) if not v)
        elif n.kind == "R" and not any(vals):
            out.append(("2", ps[0], f"{n.text}: at least one of the elements required"))
        elif n.kind == "C" and vals[0]:
            out.extend(("2", p, f"{n.text}: element {p:02d} required when {ps[0]:02d} present")
                       for p, v in zip(ps[1:], vals[1:]) if not v)
        elif n.kind == "E" and sum(vals) > 1:
            second = [p for p, v in zip(ps, vals) if v][1]
            out.append(("10", second, f"{n.text}: only one of the elements may be present"))
        elif n.kind == "L" and vals[0] and not any(vals[1:]):
            out.append(("2", ps[1], f"{n.text}: one of the listed elements required when {ps[0]:02d} present"))
    return out


def check_segment(sd: SegmentDef, elements: list[str], component: str,
                  repetition: Optional[str]) -> list[Problem]:
    """Every element problem of a segment (elements[0] is the tag)."""
    problems: list[Problem] = []
    defs = sd.elements
    n = len(elements) - 1
    if n > len(defs):
        extra = [i for i in range(len(defs) + 1, n + 1) if elements[i] != ""]
        if extra:
            i = extra[0]
            problems.append(("3", i, None, None, "", elements[i][:99], f"too many elements ({n} > {len(defs)})", False))
    present: dict[int, bool] = {}
    for ed in defs:
        i = ed.seq
        v = elements[i] if i <= n else ""
        present[i] = v != ""
        if v == "":
            if ed.usage == "M":
                problems.append(("1", i, None, None, ed.ref, None, f"mandatory element {ed.xid} missing", False))
            continue
        reps = v.split(repetition) if repetition and repetition in v else [v]
        if len(reps) > ed.repeat:
            problems.append(("12", i, None, ed.repeat + 1, ed.ref, v[:99],
                             f"too many repetitions in {ed.xid} ({len(reps)} > {ed.repeat})", False))
            reps = reps[:ed.repeat]
        for r, rv in enumerate(reps, 1):
            rep_pos = r if ed.repeat > 1 else None
            if ed.simple is not None:
                if component and component in rv:
                    problems.append(("13", i, 2, rep_pos, ed.ref, rv[:99],
                                     f"{ed.xid} is not a composite but holds components", False))
                    rv = rv.split(component)[0]
                    if rv == "":
                        continue
                for code, msg, partial in check_value(ed.simple, rv):
                    problems.append((code, i, None, rep_pos, ed.ref, rv[:99], f"{ed.xid}: {msg}", partial))
                continue
            comps = rv.split(component) if component else [rv]
            if len(comps) > len(ed.components):
                extra_c = [k for k in range(len(ed.components), len(comps)) if comps[k] != ""]
                if extra_c:
                    problems.append(("13", i, extra_c[0] + 1, rep_pos, ed.ref, rv[:99],
                                     f"too many components in {ed.xid} ({len(comps)} > {len(ed.components)})",
                                     False))
            cpresent: dict[int, bool] = {}
            for k, cd in enumerate(ed.components, 1):
                cv = comps[k - 1] if k <= len(comps) else ""
                cpresent[k] = cv != ""
                if cv == "":
                    if cd.usage == "M":
                        problems.append(("1", i, k, rep_pos, cd.ref, None,
                                         f"mandatory component {ed.xid}-{k:02d} missing", False))
                    continue
                for code, msg, partial in check_value(cd, cv):
                    problems.append((code, i, k, rep_pos, cd.ref, cv[:99], f"{ed.xid}-{k:02d}: {msg}", partial))
            for code, k, msg in _note_problems(ed.notes, cpresent):
                ref = ed.components[k - 1].ref if 0 < k <= len(ed.components) else ed.ref
                problems.append((code, i, k, rep_pos, ref, None, f"{ed.xid} {msg}", False))
    for code, p, msg in _note_problems(sd.notes, present):
        ref = defs[p - 1].ref if 0 < p <= len(defs) else ""
        bad = elements[p] if code == "10" and p <= n else None
        problems.append((code, p, None, None, ref, bad, msg, False))
    return problems
