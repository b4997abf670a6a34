"""Editing the shop listing safely: one shop's fields changed in the file's own text (its
comments and layout kept), the whole new text checked by the live reload's validator
(``load_shops``) before anything is written, an atomic replace, and what changed.

Lives here: ``EDITABLE`` (the fields the form edits), ``Problem`` (line, field, message),
``japanese`` (the validator's
messages in Japanese), ``check_text`` (the candidate text → the directory, or the problems by line and field),
``set_fields`` (a shop's fields rewritten in place; ``FormError`` when a field is not on a
line of its own), ``replace_atomically`` and ``changes`` (who-can-read-it summary of an
edit: ``shop.field: old → new``, added and removed shops). Touches only the listing file
and a temporary file beside it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.data.schema import Municipality, Shop
from bot.data.shops import ShopDirectory, load_shops
from bot.data.yaml_lines import DataError, line_for, load_with_lines

EDITABLE = ("name", "name_en", "municipality", "address", "phone", "holds_classes")
_LOCATED = re.compile(r"^(?P<file>.*?):(?P<line>\d+): (?P<field>[^:]+): (?P<message>.*)$", re.DOTALL)
_FIELD_LINE = re.compile(r"^(?P<lead>\s*(?:- )?)(?P<key>[a-z_]+):(?P<rest>.*)$")


class FormError(ValueError):
    """A form edit that cannot be written into the file's text (edit the YAML instead)."""


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str  # shops[3].phone, or "" for the whole file
    message: str

    @property
    def shop_field(self) -> tuple[int, str] | None:
        """``(index, field)`` when the problem is one shop's field."""
        found = re.match(r"^shops\[(\d+)\]\.(\w+)", self.field)
        return (int(found.group(1)), found.group(2)) if found else None


_JAPANESE = (  # the validator's messages (pydantic's and the schema's) as support staff read them
    (
        re.compile(r"^Value error, not a Japanese phone number like 0120-123-456: (.*)$"),
        r"電話番号の形ではありません（0836-21-1234 のようにハイフンで区切ります）: \1",
    ),
    (re.compile(r"^Value error, a shop needs a municipality and an address$"), "店舗には市町と住所が必要です"),
    (re.compile(r"^unknown municipality (.*)$"), r"山口県の市町ではありません: \1"),
    (re.compile(r"^Field required$"), "この項目が必要です"),
    (re.compile(r"^Extra inputs are not permitted$"), "知らない項目です（綴りを確かめてください）"),
    (re.compile(r"^Input should be a valid boolean.*$"), "true か false で書いてください"),
    (re.compile(r"^Input should be a valid string.*$"), "文字で書いてください"),
    (re.compile(r"^Input should be (('[^']*'(, | or )?)+)$"), r"次のどれかにしてください: \1"),
    (re.compile(r"^String should have at least 1 character.*$"), "空欄にはできません"),
    (re.compile(r"^String should match pattern .*$"), "書き方が正しくありません（英小文字・数字・ハイフン）"),
    (re.compile(r"^duplicate (.*)$"), r"重複しています: \1"),
)


def japanese(message: str) -> str:
    for pattern, replacement in _JAPANESE:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def _problems(exc: DataError) -> list[Problem]:
    out = []
    for text in exc.problems:
        found = _LOCATED.match(text)
        if found:
            out.append(Problem(int(found.group("line")), found.group("field"), japanese(found.group("message"))))
        else:
            out.append(Problem(None, "", japanese(text.split(": ", 1)[-1])))
    return out


def check_text(
    text: str, beside: Path, municipalities: list[Municipality]
) -> tuple[ShopDirectory | None, list[Problem]]:
    """Validate ``text`` as the listing would be (written to a temporary file beside the real one)."""
    fd, name = tempfile.mkstemp(prefix=".shops-check-", suffix=".yaml", dir=beside.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        try:
            return load_shops(name, municipalities), []
        except DataError as exc:
            return None, _problems(exc)
        except Exception as exc:  # noqa: BLE001 - anything the loader cannot read is refused
            return None, [Problem(None, "", f"読み込めません: {type(exc).__name__}")]
    finally:
        os.unlink(name)


def _scalar(value: object) -> str:
    if value is None or value == "":
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def set_fields(text: str, path: Path, index: int, values: dict[str, object]) -> str:
    """``text`` with shop ``index``'s fields set to ``values`` (only ``EDITABLE`` ones)."""
    _, lines = load_with_lines(path)
    rows = text.split("\n")
    for key, value in values.items():
        if key not in EDITABLE:
            raise FormError(f"{key} はこの画面では変えられません")
        line = line_for(lines, ("shops", index, key))
        found = _FIELD_LINE.match(rows[line - 1]) if line else None
        if not found or found.group("key") != key:
            raise FormError(f"{key} が一行に書かれていないため、YAML の画面で直してください")
        comment = ""
        rest = found.group("rest")
        if " #" in rest and '"' not in rest.split(" #", 1)[1]:
            comment = " #" + rest.split(" #", 1)[1]
        rows[line - 1] = f"{found.group('lead')}{key}: {_scalar(value)}{comment}"
    return "\n".join(rows)


def replace_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file in the same folder and rename it over ``path``."""
    fd, name = tempfile.mkstemp(prefix=".shops-save-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(name, path)
    except BaseException:
        if os.path.exists(name):
            os.unlink(name)
        raise


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return "なし" if value is None else str(value)


def changes(before: list[Shop], after: list[Shop]) -> list[str]:
    """What an edit changed, shop by shop."""
    old, new = {s.id: s for s in before}, {s.id: s for s in after}
    out = [f"追加: {i}" for i in new if i not in old] + [f"削除: {i}" for i in old if i not in new]
    for shop_id, shop in new.items():
        if shop_id not in old:
            continue
        was = old[shop_id].model_dump()
        for key, value in shop.model_dump().items():
            if was[key] != value:
                out.append(f"{shop_id}.{key}: {_shown(was[key])} → {_shown(value)}")
    return out
