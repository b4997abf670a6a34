"""A fast reader for the plain block YAML our data files are written in.

Lives here: ``load_plain`` (text → data, or None when the text uses anything beyond the plain
subset, so the caller parses it with PyYAML as before). The subset: block mappings and
sequences (also a sequence at its key's indentation), keys and plain scalars on one line,
single-quoted scalars, double-quoted ones without escapes, ``[]``, ``{}``, flow sequences of
plain scalars, and comments. Plain scalars are typed by PyYAML's own resolver and constructor,
so the data is the same as PyYAML's; repeated scalars are one object (less memory per shop).
Duplicate keys, impossible values and anything unusual give None: PyYAML's path reports them
with their line. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import ScalarNode
from yaml.reader import Reader

_KEY_RE = re.compile(r"([^\s:#'\"\[\]{},&*!|>%@`?\-][^:#]*?|-[^\s:#][^:#]*?):(?: +(.*))?$")
_SPECIAL_START = set("&*!|>%@`{[,?#")
_STR_TAG = "tag:yaml.org,2002:str"


class _NotPlain(Exception):
    """The text uses YAML beyond the plain subset (or is not valid): PyYAML reads it."""


class _Scalars:
    """Plain scalars typed as PyYAML types them, each distinct text typed once."""

    def __init__(self) -> None:
        self._loader = yaml.SafeLoader("")
        self.seen: dict[str, Any] = {}
        self._strings: dict[str, str] = {}
        self._keys: dict[str, str] = {}

    def string(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def key(self, text: str) -> str:
        """A mapping key: a plain scalar that PyYAML reads as a string (``yes:`` it does not)."""
        found = self._keys.get(text)
        if found is None:
            found = self.plain(text.rstrip())
            if not isinstance(found, str):
                raise _NotPlain
            self._keys[text] = found
        return found

    def plain(self, text: str) -> Any:
        try:
            return self.seen[text]
        except KeyError:
            pass
        tag = self._loader.resolve(ScalarNode, text, (True, False))
        if tag == _STR_TAG:
            value: Any = text
        else:
            try:
                value = self._loader.construct_object(ScalarNode(tag, text), deep=True)
            except (ValueError, OverflowError, yaml.YAMLError):
                raise _NotPlain from None
        self.seen[text] = value
        return value


# One item of a flow sequence or mapping on one line: a double-quoted scalar without escapes, a
# single-quoted one, or a plain one without flow indicators or colons.
_FLOW_SCALAR = r"""(?:"(?P<dq>[^"\\]*)"|'(?P<sq>(?:[^']|'')*)'|(?P<plain>[^\s,\[\]{}#:"'&*!|>%@`?][^,\[\]{}#:]*?))"""
_FLOW_ITEM = re.compile(rf"\s*(?P<key>){_FLOW_SCALAR}\s*(?P<end>,|$)")
_FLOW_PAIR = re.compile(
    rf"""\s*(?P<key>[^\s,\[\]{{}}#:"'&*!|>%@`?\-][^,\[\]{{}}#:]*?)\s*:\s+{_FLOW_SCALAR}\s*(?P<end>,|$)"""
)


def _flow(inner: str, item: re.Pattern, scalars: _Scalars) -> list[tuple[str, Any]]:
    """(key, value) of each item of a one-line flow collection (key "" in a sequence)."""
    out: list[tuple[str, Any]] = []
    pos = 0
    while inner[pos:].strip():
        m = item.match(inner, pos)
        if m is None:
            raise _NotPlain
        if m.group("dq") is not None:
            value: Any = scalars.string(m.group("dq"))
        elif m.group("sq") is not None:
            value = scalars.string(m.group("sq").replace("''", "'"))
        else:
            value = scalars.plain(m.group("plain").strip())
        out.append((m.group("key"), value))
        pos = m.end()
        if not m.group("end"):
            break
    if inner[pos:].strip():
        raise _NotPlain
    return out


def _without_comment(text: str) -> str:
    if text.startswith("#"):
        return ""
    cut = text.find(" #")
    return (text[:cut] if cut >= 0 else text).rstrip()


def _quoted(text: str, scalars: _Scalars) -> str:
    """A single-quoted scalar, or a double-quoted one without escapes, alone on its line."""
    quote = text[0]
    end = text.rfind(quote)
    inner = text[1:end]
    if end == 0 or _without_comment(text[end + 1 :].strip()):
        raise _NotPlain
    if quote == "'":
        if "'" in inner.replace("''", ""):
            raise _NotPlain
        return scalars.string(inner.replace("''", "'"))
    if '"' in inner or "\\" in inner:
        raise _NotPlain
    return scalars.string(inner)


def _flow_mapping(inner: str, scalars: _Scalars) -> dict:
    out: dict = {}
    for key, value in _flow(inner, _FLOW_PAIR, scalars):
        key = scalars.plain(key)
        if not isinstance(key, str) or key in out:
            raise _NotPlain
        out[scalars.string(key)] = value
    return out


def _value(text: str, scalars: _Scalars) -> Any:
    """The value written after ``key:`` or ``- `` on one line."""
    if text[0] in "'\"":
        return _quoted(text, scalars)
    text = _without_comment(text)
    if text.startswith("[") and text.endswith("]"):
        return [value for _, value in _flow(text[1:-1], _FLOW_ITEM, scalars)]
    if text.startswith("{") and text.endswith("}"):
        return _flow_mapping(text[1:-1], scalars)
    if text[0] in _SPECIAL_START or text.startswith("- ") or text == "-" or ": " in text or text.endswith(":"):
        raise _NotPlain
    return scalars.plain(text)


# One line: indentation, a sequence dash (with the spaces after it), a key and its colon, the rest.
_LINE = re.compile(
    r"""^( *)(- +|-(?=\r?$))?(?:([^\s:#'"\[\]{},&*!|>%@`?\-][^:#\n]*?|-[^\s:#][^:#\n]*?):(?: +|(?=\r?$)))?(.*)$""",
    re.M,
)
_DASH = "-"  # the key of an entry that is a sequence dash
_SLOW_START = _SPECIAL_START | set("'\"]}")


def _entries(text: str) -> list[tuple[int, str | None, str]]:
    """(column, key or _DASH or None, rest) of each line that says something; a dash and the
    item after it on the same line are two entries, the item at its own column."""
    out: list[tuple[int, str | None, str]] = []
    append = out.append
    for m in _LINE.finditer(text):
        indent, dash, key, rest = m.groups()
        rest = rest.rstrip()
        col = len(indent)
        if dash is not None:
            append((col, _DASH, ""))
            col += len(dash.rstrip("\r"))
            if key is None and (not rest or rest[0] == "#"):
                continue
        elif key is None:
            if not rest or rest[0] == "#":
                continue  # a blank line or a comment
            if rest.startswith(("---", "...", "%")):
                raise _NotPlain
        append((col, key, rest))
    return out


class _Reader:
    def __init__(self, entries: list[tuple[int, str | None, str]], scalars: _Scalars):
        self.entries = entries
        self.pos = 0
        self.scalars = scalars

    def _after(self, indent: int) -> None:
        """What follows a value may not be more indented than its key or dash."""
        if self.pos < len(self.entries) and self.entries[self.pos][0] > indent:
            raise _NotPlain

    def node(self) -> Any:
        col, key, rest = self.entries[self.pos]
        if key is _DASH:
            return self.sequence(col)
        if key is not None:
            return self.mapping(col)
        self.pos += 1
        return _value(rest, self.scalars)

    def _nested(self, indent: int) -> Any:
        """The value on the lines after a key or dash with nothing after it: None if none is deeper."""
        if self.pos < len(self.entries) and self.entries[self.pos][0] > indent:
            return self.node()
        return None

    def sequence(self, indent: int) -> list:
        out = []
        entries = self.entries
        while self.pos < len(entries):
            col, key, _ = entries[self.pos]
            if col != indent or key is not _DASH:
                break
            self.pos += 1
            out.append(self._nested(indent))
            self._after(indent)
        return out

    def mapping(self, indent: int) -> dict:
        out: dict = {}
        entries = self.entries
        scalars = self.scalars
        seen = scalars.seen
        while self.pos < len(entries):
            col, key, rest = entries[self.pos]
            if col != indent or key is None or key is _DASH:
                break
            key = scalars.key(key)
            if key in out:
                raise _NotPlain  # a repeated key: PyYAML's path reports it
            self.pos += 1
            if rest and rest[0] != "#":
                if rest in seen:
                    out[key] = seen[rest]
                elif rest[0] in _SLOW_START or " #" in rest or ": " in rest or rest[-1] == ":" or rest[:2] == "- ":
                    out[key] = _value(rest, scalars)
                else:
                    out[key] = scalars.plain(rest)
            elif self.pos < len(entries) and entries[self.pos][0] == indent and entries[self.pos][1] is _DASH:
                out[key] = self.sequence(indent)  # a sequence at its key's indentation
            else:
                out[key] = self._nested(indent)
            self._after(indent)
        return out


PIECE = 1 << 18  # characters or bytes handled per call, so that a large file never holds the GIL long


def decode(raw: bytes) -> str:
    """UTF-8 (with or without a BOM) decoded a piece at a time, split after a newline."""
    pieces, start = [], 0
    while start < len(raw):
        end = raw.find(b"\n", start + PIECE)
        end = len(raw) if end < 0 else end + 1
        pieces.append(raw[start:end].decode("utf-8-sig" if start == 0 else "utf-8"))
        start = end
    return "".join(pieces)


def _printable(text: str) -> bool:
    return not any(Reader.NON_PRINTABLE.search(text, i, i + PIECE) for i in range(0, len(text), PIECE))


def load_plain(text: str) -> Any | None:
    """The data of ``text`` if it is plain block YAML, else None (read it with PyYAML)."""
    if "\t" in text or not _printable(text):
        return None
    entries: list = []
    try:
        entries = _entries(text)
        if not entries:
            return None
        reader = _Reader(entries, _Scalars())
        data = reader.node()
        return data if reader.pos == len(entries) else None
    except _NotPlain:
        return None
    finally:
        while entries:  # freed a piece at a time: all at once would hold the GIL throughout
            del entries[-PIECE // 16 :]
