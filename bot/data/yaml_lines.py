"""Load a YAML file into plain Python data while remembering each value's line.

``load_with_lines`` returns the data and a map from a path (a tuple of keys and
list indices) to its 1-based line, so a schema error can name file, line and
field. Duplicate keys, which PyYAML would silently overwrite, are errors here.
Reads the file it is given; touches nothing else.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.data import disk_cache
from bot.data.yaml_fast import decode, load_plain

Path_ = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it (about ten times faster on a large listing).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
CACHE_FORMAT = 1  # bump when the shape of parsed data changes


class DataError(Exception):
    """Invalid data: a list of ``file:line: field: message`` problems."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def format_path(path: Path_) -> str:
    """``("shops", 3, "phone")`` → ``shops[3].phone``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top)"


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.problems: list[str] = []
        # A loader over an empty stream, used only to construct scalars and keys.
        self._constructor = yaml.SafeLoader("")

    def build(self, node: Node, path: Path_) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node) if isinstance(key_node, ScalarNode) else None
                if key in out:
                    self.problems.append(
                        f"{self.file}:{key_node.start_mark.line + 1}: {format_path(path + (key,))}: duplicate key"
                    )
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        raise DataError([f"{self.file}:{node.start_mark.line + 1}: unsupported YAML node"])

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag == _STR_TAG:
            return node.value
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # e.g. an impossible date: as_of: 2021-02-30
            self.problems.append(f"{self.file}:{node.start_mark.line + 1}: {node.value!r}: {exc}")
            return node.value


def load_with_lines(path: str | Path) -> tuple[Any, dict[Path_, int]]:
    """Parse ``path``; raise ``DataError`` naming the line for any syntax problem."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError([f"{name}: file not found"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError([f"{name}:{line}: not UTF-8 text ({exc.reason}); save the file as UTF-8"]) from None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else "?"
        raise DataError([f"{name}:{line}: YAML syntax error: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise DataError([f"{name}: YAML error: {exc}"]) from None
    if node is None:
        raise DataError([f"{name}:1: the file is empty"])
    builder = _Builder(name)
    data = builder.build(node, ())
    if builder.problems:
        raise DataError(builder.problems)
    return data, builder.lines


def load_cached(path: str | Path) -> tuple[Any, dict[Path_, int] | None]:
    """The data of a YAML file, from a parse cache keyed by the file's SHA-256 when
    it has been parsed before (a 6,000-shop listing parses in seconds, loads from
    the cache in milliseconds). Lines come back only from a fresh parse: a caller
    that needs them for an error message calls ``load_with_lines``. The cache is
    written only after a clean parse, and a cache that cannot be read or written
    is simply not used. Off the main thread (a reload beside the event loop) the cache
    is not used: marshalling a large listing holds the GIL for a tenth of a second."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError([f"{path}: file not found"]) from None
    on_main_thread = threading.current_thread() is threading.main_thread()
    cached = (
        disk_cache.cache_file("yaml", [raw, f"{CACHE_FORMAT}|{yaml.__version__}".encode()]) if on_main_thread else None
    )
    data = disk_cache.read(cached)
    if data is not None:
        return data, None
    try:
        data, lines = load_plain(decode(raw)), None  # the plain subset, fast (bot/data/yaml_fast.py)
    except UnicodeDecodeError:
        data = None
    if data is None:  # beyond the subset, or invalid: PyYAML, which names the line of a problem
        data, lines = load_with_lines(path)
    disk_cache.write(cached, data)  # not written: a read-only home, or data marshal cannot hold (dates)
    return data, lines


def line_for(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path`` or of its nearest ancestor that has one."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
