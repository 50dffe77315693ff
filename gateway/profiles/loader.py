"""Read a profile's YAML keeping the line and column of every node.

``load_yaml`` returns plain Python data (dicts, lists, scalars) plus a
``Positions`` table mapping each path (a tuple of keys and list indexes) to
where its value starts, and to where its key starts for mapping entries.
Duplicate keys, which YAML would silently collapse, are problems here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import yaml

from gateway.profiles.problems import Problem

Path = tuple[Any, ...]

try:  # the C composer is several times faster; fall back to pure Python
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class NumKey(str):
    """A mapping key YAML read as a number (kept as text; checks may warn about it)."""

    __slots__ = ()


@dataclass(frozen=True)
class Positions:
    values: Mapping[Path, tuple[int, int]]
    keys: Mapping[Path, tuple[int, int]]

    def of(self, path: Path) -> tuple[int, int]:
        """Where the node at ``path`` starts; the nearest existing parent otherwise."""
        p = tuple(path)
        while p:
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), (1, 1))

    def of_key(self, path: Path) -> tuple[int, int]:
        """Where the key of a mapping entry starts (for unknown-key messages)."""
        p = tuple(path)
        if p in self.keys:
            return self.keys[p]
        return self.of(p)


@dataclass(frozen=True)
class LoadedYaml:
    data: Any
    positions: Positions


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_yaml(text: str, filename: str) -> tuple[Optional[LoadedYaml], list[Problem]]:
    """Parse ``text``; on a syntax error return ``(None, [problem])``."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            what = f"{exc.context}, {exc.problem}"
        ctx_mark = exc.context_mark
        if ctx_mark is not None and mark is not None and ctx_mark.line != mark.line:
            what += f" (the block begins at line {ctx_mark.line + 1})"
        return None, [Problem(filename, line, col, "", f"YAML syntax error: {what}",
                              "check indentation, colons and quotes on this line and the one above")]
    except yaml.YAMLError as exc:
        return None, [Problem(filename, 1, 1, "", f"YAML error: {exc}",
                              "save the file as UTF-8 text")]
    if node is None:
        return LoadedYaml(None, Positions({(): (1, 1)}, {})), []
    values: dict[Path, tuple[int, int]] = {}
    keys: dict[Path, tuple[int, int]] = {}
    problems: list[Problem] = []
    constructor = yaml.SafeLoader("")  # only its scalar constructors are used
    data = _build(node, (), values, keys, problems, filename, constructor)
    return LoadedYaml(data, Positions(values, keys)), problems


def _build(node: yaml.Node, path: Path, values: dict, keys: dict, problems: list[Problem],
           filename: str, constructor: yaml.SafeLoader) -> Any:
    values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = _mark(key_node)
                problems.append(Problem(filename, line, col, dotted(path), "a key must be a plain word",
                                        "write keys as plain names such as `host:`"))
                continue
            try:
                key = constructor.construct_object(key_node)
            except yaml.YAMLError as exc:  # e.g. an unknown !tag on the key
                line, col = _mark(key_node)
                what = getattr(exc, "problem", None) or str(exc)
                problems.append(Problem(filename, line, col, dotted(path), f"unreadable key: {what}",
                                        "write the key as a plain name (no `!` before it)"))
                continue
            if not isinstance(key, str):
                key = NumKey(key_node.value) if isinstance(key, (int, float)) and \
                    not isinstance(key, bool) else str(key_node.value)
            child = path + (key,)
            if key in out:
                line, col = _mark(key_node)
                first = keys[child]
                problems.append(Problem(
                    filename, line, col, dotted(child),
                    f"duplicate key (first at line {first[0]})",
                    "keep one of the two entries; YAML would silently use the last one"))
                continue
            keys[child] = _mark(key_node)
            out[key] = _build(value_node, child, values, keys, problems, filename, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), values, keys, problems, filename, constructor)
                for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node)
    except yaml.YAMLError as exc:
        line, col = _mark(node)
        problems.append(Problem(filename, line, col, dotted(path), f"unreadable value: {exc}",
                                "quote the value"))
        return node.value
