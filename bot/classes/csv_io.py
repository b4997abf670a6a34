"""Reading a class schedule file (CSV as Excel writes it, or YAML) into checked class records.

Lives here: ``read_schedule`` → ``Schedule`` (every row with its ``ClassSession`` or its
problems), ``Problem`` (row, column, message in Japanese) and ``COLUMNS``.

The CSV has the portal's columns (都道府県名, 市区町村名, 拠点名, 電話番号, 住所) plus
開催日, 開始時刻, 終了時刻, レベル, 講座名, 定員, 残席, 予約要否, 持ち物, in any order
(a few other names staff use are accepted, e.g. 実施場所 for 拠点名). Encodings: UTF-8
with or without BOM, CP932/Shift_JIS (Excel's 「CSV (コンマ区切り)」), UTF-16 with BOM
(Excel's 「Unicode テキスト」, tab-separated). Rows are numbered as Excel shows them
(the header is row 1); a YAML file's rows by their line.

Every row is checked: a missing required column (the whole file), an unreadable
date or time, an unknown municipality, another prefecture, negative or impossible
seat counts, an end before the start, a duplicate of an earlier row, and a
municipality the staff member may not manage. Nothing here writes: the importer
decides what to do with the result. Reads the file it is given.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.classes import cells
from bot.classes.model import ClassSession
from bot.classes.topics import TopicTagger
from bot.data.knowledge import Knowledge
from bot.data.shops import ShopDirectory
from bot.data.spreadsheet import as_written
from bot.understanding.normalize import fold

# (column, field, required)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("都道府県名", "prefecture", True),
    ("市区町村名", "municipality", True),
    ("拠点名", "venue", True),
    ("電話番号", "phone", True),
    ("住所", "address", True),
    ("開催日", "day", True),
    ("開始時刻", "start", True),
    ("終了時刻", "end", False),
    ("レベル", "level", True),
    ("講座名", "title", True),
    ("定員", "capacity", False),
    ("残席", "seats_left", False),
    ("予約要否", "booking_required", False),
    ("持ち物", "bring", False),
)
ALIASES: dict[str, str] = {
    "都道府県": "都道府県名",
    "prefecture": "都道府県名",
    "市町村名": "市区町村名",
    "市町名": "市区町村名",
    "市区町村": "市区町村名",
    "municipality": "市区町村名",
    "実施場所": "拠点名",
    "会場": "拠点名",
    "会場名": "拠点名",
    "venue": "拠点名",
    "連絡先": "電話番号",
    "電話": "電話番号",
    "phone": "電話番号",
    "所在地": "住所",
    "address": "住所",
    "日付": "開催日",
    "実施日": "開催日",
    "開催日時": "開催日",
    "date": "開催日",
    "day": "開催日",
    "開始": "開始時刻",
    "開始時間": "開始時刻",
    "start": "開始時刻",
    "終了": "終了時刻",
    "終了時間": "終了時刻",
    "end": "終了時刻",
    "講座レベル": "レベル",
    "level": "レベル",
    "講座内容": "講座名",
    "タイトル": "講座名",
    "title": "講座名",
    "capacity": "定員",
    "残り席": "残席",
    "残席数": "残席",
    "空き": "残席",
    "空席": "残席",
    "seats_left": "残席",
    "予約": "予約要否",
    "要予約": "予約要否",
    "予約の要否": "予約要否",
    "booking_required": "予約要否",
    "持参物": "持ち物",
    "持ちもの": "持ち物",
    "bring": "持ち物",
}
FIELD_OF = {name: f for name, f, _ in COLUMNS}
REQUIRED = [name for name, _, required in COLUMNS if required]
CARRIER_WORDS = (
    ("docomo", ("ドコモ", "docomo")),
    ("au", ("au",)),
    ("softbank", ("ソフトバンク", "softbank")),
    ("rakuten", ("楽天", "rakuten")),
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth saying) about a file: ``row`` None is the whole file."""

    row: int | None
    column: str | None
    message: str

    def format(self, file: str = "", yaml_lines: bool = False) -> str:
        where = file + ": " if file else ""
        if self.row is not None:
            where += f"{self.row}行目" + ("（ファイルの行）" if yaml_lines else "")
            where += " "
        if self.column:
            where += f"「{self.column}」"
        return f"{where.rstrip()}: {self.message}" if where.strip() else self.message


@dataclass
class Row:
    row: int
    session: ClassSession | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Schedule:
    file: str
    encoding: str
    rows: list[Row] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    file_warnings: list[Problem] = field(default_factory=list)
    yaml: bool = False

    @property
    def sessions(self) -> list[ClassSession]:
        """The rows that passed every check (none when the file itself is wrong)."""
        if self.file_problems:
            return []
        return [r.session for r in self.rows if r.session is not None and not r.problems]

    @property
    def problems(self) -> list[Problem]:
        return [*self.file_problems, *(p for r in self.rows for p in r.problems)]

    @property
    def warnings(self) -> list[Problem]:
        return [*self.file_warnings, *(w for r in self.rows for w in r.warnings)]

    @property
    def bad_rows(self) -> int:
        return sum(1 for r in self.rows if r.problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self, problem: Problem) -> str:
        return problem.format(self.file, self.yaml)


# -- decoding ------------------------------------------------------------------------------


class UnreadableFile(Exception):
    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.row, self.column = row, column


def _unreadable_at(raw: bytes, position: int) -> UnreadableFile:
    """The error for an undecodable byte at ``position``: its row and, where the header can
    be read, the column it falls in (a comma-separated file's ASCII commas count cells)."""
    line_start = raw.rfind(b"\n", 0, position) + 1
    row = raw.count(b"\n", 0, position) + 1
    before = raw[line_start:position]
    delimiter = b"\t" if before.count(b"\t") > before.count(b",") else b","
    index = before.count(delimiter)
    header = raw[: raw.find(b"\n") if b"\n" in raw else len(raw)].removeprefix(codecs.BOM_UTF8)
    names = header.decode("utf-8", errors="replace").split(delimiter.decode())
    column = cells.text(names[index]).strip("\"'") if index < len(names) else f"{index + 1}列目"
    return UnreadableFile(
        "文字コードを読み取れません（UTF-8 と Shift_JIS が混ざっていませんか）。"
        "Excel で「CSV UTF-8」または「CSV (コンマ区切り)」として保存し直してください",
        row,
        column,
    )


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "UTF-8（BOM付き）"
        except UnicodeDecodeError as exc:
            raise _unreadable_at(raw, exc.start + len(codecs.BOM_UTF8)) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise UnreadableFile(
                "文字コード（UTF-16）を読み取れません。Excel で「CSV UTF-8」として保存し直してください"
            ) from None
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp932"), "Shift_JIS（CP932）"
    except UnicodeDecodeError as exc:
        raise _unreadable_at(raw, exc.start) from None


# -- checking one row -------------------------------------------------------------------


class _Checker:
    def __init__(
        self,
        knowledge: Knowledge,
        shops: ShopDirectory | None,
        allowed: Callable[[str], bool] | None,
        today: date | None,
    ):
        self.prefecture = knowledge.municipalities.prefecture
        self.names: dict[str, str] = {}
        for m in knowledge.municipalities.municipalities:
            for alias in (m.name, m.short, m.kana, m.short_kana):
                self.names.setdefault(cells.text(alias), m.name)
        self.shops = shops
        self.allowed = allowed
        self.today = today
        self.tagger = TopicTagger(knowledge.programme.topics)
        self.seen: dict[str, int] = {}

    def check(self, number: int, values: dict[str, object]) -> Row:
        """Row ``number`` checked: its class session, or every problem its cells have."""
        row = Row(number, None)
        city = self._city(number, values, row.problems)
        got = self._cells(number, values, row.problems)
        _check_together(number, got, row.problems)
        if row.problems or city is None:
            return row
        session = self._session(city, got)
        first = self.seen.get(session.natural_key)
        if first is not None:
            row.problems.append(
                Problem(
                    number,
                    None,
                    f"{first}行目と同じ講座です（市区町村名・拠点名・開催日・開始時刻・講座名が同じ）。どちらか一方を消してください",
                )
            )
            return row
        self.seen[session.natural_key] = number
        if self.today and session.day < self.today:
            row.warnings.append(
                Problem(number, "開催日", f"過去の日付です（{session.day:%Y/%m/%d}）。住民には案内されません")
            )
        row.session = session
        return row

    def _city(self, number: int, values: dict[str, object], problems: list[Problem]) -> str | None:
        """The row's municipality, when its prefecture and city cells name one this staff
        member may register classes for (problems noted otherwise)."""
        pref = cells.text(values.get("都道府県名"))
        if not pref:
            problems.append(Problem(number, "都道府県名", "空欄です"))
        elif pref not in (self.prefecture.name, self.prefecture.name.rstrip("県")):
            problems.append(Problem(number, "都道府県名", f"{self.prefecture.name}の講座だけを取り込めます: {pref!r}"))
        city_raw = cells.text(values.get("市区町村名"))
        city = self.names.get(city_raw)
        if not city_raw:
            problems.append(Problem(number, "市区町村名", "空欄です"))
        elif city is None:
            problems.append(Problem(number, "市区町村名", f"{self.prefecture.name}の市町ではありません: {city_raw!r}"))
        elif self.allowed is not None and not self.allowed(city):
            problems.append(Problem(number, "市区町村名", f"{city}の講座を登録する権限がありません"))
            return None
        return city

    def _cells(self, number: int, values: dict[str, object], problems: list[Problem]) -> dict[str, object]:
        """The row's other cells read into session fields (problems noted for each bad cell)."""
        got: dict[str, object] = {}

        def read(column: str, reader: Callable[[object], object], value: object = None) -> None:
            try:
                got[FIELD_OF[column]] = reader(values.get(column) if value is None else value)
            except cells.CellError as exc:
                problems.append(Problem(number, column, str(exc)))

        for column in ("拠点名", "住所", "講座名"):
            got[FIELD_OF[column]] = value = cells.text(values.get(column))
            if not value:
                problems.append(Problem(number, column, "空欄です"))
        read("電話番号", cells.read_phone)
        read("開催日", cells.read_date)
        start, end = cells.text(values.get("開始時刻")), cells.text(values.get("終了時刻"))
        if not end and re.search(r"\d\s*[~〜～-]\s*\d", start):  # 10:30～11:30 in one cell
            start, _, end = re.split(r"\s*([~〜～-])\s*", start, maxsplit=1)
        if not start:
            problems.append(Problem(number, "開始時刻", "空欄です"))
        for column, value in (("開始時刻", start), ("終了時刻", end)):
            if value:
                read(column, cells.read_time, value)
        read("レベル", cells.read_level)
        read("定員", lambda v: cells.read_count(v, "定員"))
        read("残席", lambda v: cells.read_count(v, "残席", allow_full=True))
        read("予約要否", cells.read_booking)
        got["bring"] = cells.text(values.get("持ち物")) or None
        return got

    def _session(self, city: str, got: dict) -> ClassSession:
        venue, phone = got["venue"], got["phone"]
        shop_id, carrier = self._shop(city, venue, phone)
        return ClassSession(
            prefecture=self.prefecture.name,
            municipality=city,
            venue=venue,
            phone=phone,
            address=got["address"],
            day=got["day"],
            start=got["start"],
            end=got.get("end"),
            level=got["level"],
            title=got["title"],
            shop_id=shop_id,
            carrier=carrier,
            topics=self.tagger.tags(got["title"], got["bring"]),
            capacity=got.get("capacity"),
            seats_left=got.get("seats_left"),
            booking_required=got.get("booking_required", True),
            bring=got["bring"],
        )

    def _shop(self, city: str, venue: str, phone: str) -> tuple[str | None, str | None]:
        """The listed shop this venue is (by name or phone), else the carrier its name says."""
        if self.shops is not None:
            folded = fold(venue)
            for shop in self.shops.in_city(city):
                if fold(shop.name) == folded or shop.phone == phone:
                    return shop.id, shop.carrier
        lowered = venue.lower()
        for carrier, words in CARRIER_WORDS:
            if any(w in lowered for w in words):
                return None, carrier
        return None, None


def _check_together(number: int, got: dict, problems: list[Problem]) -> None:
    """Cells that are each valid but contradict each other (capacity 0, more seats left
    than places, an end before the start)."""
    if got.get("capacity") == 0:
        problems.append(Problem(number, "定員", "定員が0です"))
    if got.get("capacity") and got.get("seats_left") is not None and got["seats_left"] > got["capacity"]:
        problems.append(
            Problem(number, "残席", f"残席（{got['seats_left']}）が定員（{got['capacity']}）より多くなっています")
        )
    if got.get("start") and got.get("end") and got["end"] <= got["start"]:
        problems.append(Problem(number, "終了時刻", f"終了時刻（{got['end']}）が開始時刻（{got['start']}）より前です"))


# -- reading a file -------------------------------------------------------------------


def _column_name(header: str) -> str:
    name = re.sub(r"[\s　]+", "", cells.text(header)).strip("\"'")
    name = re.sub(r"[(（].*?[)）]$", "", name)  # 「定員（人）」
    return ALIASES.get(name, ALIASES.get(name.lower(), name))


def _header(raw: list[str], schedule: Schedule) -> dict[int, str] | None:
    columns: dict[int, str] = {}
    for i, cell in enumerate(raw):
        name = _column_name(cell)
        if not name:
            continue
        if name in FIELD_OF:
            if name in columns.values():
                schedule.file_problems.append(Problem(1, name, "同じ列が2つあります"))
            columns[i] = name
        else:
            schedule.file_warnings.append(Problem(1, cells.text(cell), "知らない列なので読み飛ばします"))
    missing = [c for c in REQUIRED if c not in columns.values()]
    for name in missing:
        schedule.file_problems.append(Problem(None, name, "必須の列がありません（1行目に列名が必要です）"))
    return None if missing else columns


MAX_CELL_CHARS = 10_000  # no cell of a schedule is longer; a longer one is a stray quote


class _BrokenCsv(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Each record with the line it starts on; a quote left open, a cell too long, or a cell
    that swallowed the next row (a line break followed by more cells) is a ``_BrokenCsv``
    naming the row and the column (its number: the header may be what is broken)."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            raise _BrokenCsv(
                Problem(
                    start,
                    None,
                    f'「"」（ダブルクォート）の閉じ忘れか置き場所の誤りがあります（{exc}）。'
                    "この行から後ろを確かめてください",
                )
            ) from None
        for index, cell in enumerate(record):
            merged = "\n" in cell and delimiter in cell.partition("\n")[2]
            if merged or len(cell) > MAX_CELL_CHARS:
                why = "次の行が入り込んでいます" if merged else f"{len(cell):,}文字あります"
                raise _BrokenCsv(
                    Problem(
                        start,
                        f"{index + 1}列目",
                        f'セルの「"」が閉じられていないようです（{why}）。余分な「"」を消してください',
                    )
                )
        records.append((start, record))


def _read_csv(text: str, schedule: Schedule, checker: _Checker) -> None:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        records = [record for _, record in _records(text, delimiter)]
    except _BrokenCsv as exc:
        schedule.file_problems.append(exc.problem)
        return
    while records and not any(c.strip() for c in records[0]):
        records.pop(0)  # blank lines above the header
    if not records:
        schedule.file_problems.append(Problem(None, None, "ファイルが空です"))
        return
    columns = _header(records[0], schedule)
    if columns is None:
        return
    width = len(records[0])
    for number, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue  # an empty Excel row
        row_problems = []
        if len(record) > width and any(c.strip() for c in record[width:]):
            row_problems.append(
                Problem(
                    number,
                    None,
                    f"列が多すぎます（見出しは{width}列、この行は{len(record)}列）。区切りのカンマが値に入っていないか確かめてください",
                )
            )
        values = {name: as_written(record[i]) if i < len(record) else "" for i, name in columns.items()}
        row = checker.check(number, values)
        row.problems[:0] = row_problems
        if row_problems:
            row.session = None
        schedule.rows.append(row)


def _yaml_rows(path: Path) -> tuple[list[tuple[int, object]], str | None]:
    """The items of a YAML schedule with their lines, every scalar as the text written
    (``10:30`` stays ``"10:30"``, ``2026-12-32`` is a bad date, not a crash)."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], "UTF-8 で保存してください（文字コードを読み取れません）"
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return (
            [],
            f"{mark.line + 1 if mark else '?'}行目: YAML の書き方に誤りがあります: {getattr(exc, 'problem', exc)}",
        )

    def plain(node):
        if isinstance(node, ScalarNode):
            return None if node.tag.endswith(":null") else node.value
        if isinstance(node, MappingNode):
            return {str(plain(k)): plain(v) for k, v in node.value}
        if isinstance(node, SequenceNode):
            return [plain(v) for v in node.value]
        return None

    items = root
    if isinstance(root, MappingNode):
        items = next((v for k, v in root.value if isinstance(k, ScalarNode) and k.value == "classes"), None)
    if not isinstance(items, SequenceNode):
        return [], "講座の一覧（classes: の下に - で始まる項目）がありません"
    return [(item.start_mark.line + 1, plain(item)) for item in items.value], None


def _read_yaml(path: Path, schedule: Schedule, checker: _Checker) -> None:
    items, problem = _yaml_rows(path)
    if problem:
        schedule.file_problems.append(Problem(None, None, problem))
        return
    for number, item in items:
        if not isinstance(item, dict):
            schedule.rows.append(Row(number, None, [Problem(number, None, "項目が「列名: 値」の形になっていません")]))
            continue
        values: dict[str, object] = {}
        unknown = []
        for key, value in item.items():
            name = _column_name(key)
            if name in FIELD_OF:
                values[name] = value
            else:
                unknown.append(key)
        row_problems = [Problem(number, c, "必須の項目がありません") for c in REQUIRED if c not in values]
        if row_problems:
            schedule.rows.append(Row(number, None, row_problems))
            continue
        row = checker.check(number, values)
        row.warnings += [Problem(number, k, "知らない項目なので読み飛ばします") for k in unknown]
        schedule.rows.append(row)


def read_schedule(
    path: str | Path,
    knowledge: Knowledge,
    shops: ShopDirectory | None = None,
    allowed: Callable[[str], bool] | None = None,
    today: date | None = None,
) -> Schedule:
    """Read and check every row of ``path`` (``.yaml``/``.yml`` as YAML, anything else as CSV).

    ``allowed(municipality)`` says whether the staff member may manage that municipality's
    classes (None: any); ``today`` turns on the "past date" warning."""
    path = Path(path)
    checker = _Checker(knowledge, shops, allowed, today)
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    schedule = Schedule(str(path), "UTF-8" if is_yaml else "?", yaml=is_yaml)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        schedule.file_problems.append(Problem(None, None, f"ファイルを開けません: {exc.strerror or exc}"))
        return schedule
    if is_yaml:
        _read_yaml(path, schedule, checker)
        return schedule
    try:
        text, schedule.encoding = decode(raw)
    except UnreadableFile as exc:
        schedule.file_problems.append(Problem(exc.row, exc.column, str(exc)))
        return schedule
    _read_csv(text, schedule, checker)
    return schedule
