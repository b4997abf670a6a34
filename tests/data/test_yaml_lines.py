"""``bot.data.yaml_lines``: YAML with a line for every value, and refusals that name the line."""

from __future__ import annotations

import marshal

import pytest

from bot.data.yaml_lines import DataError, format_path, line_for, load_with_lines

DOC = """\
# a comment
as_of: "2021-07-27"
shops:
  - id: a
    phone: "0120-111-111"
  - id: b
    phone: "0120-222-222"
    hours: {ja: 平日, en: Weekdays}
"""


def write(tmp_path, text: str, name: str = "f.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def only_problem(exc: pytest.ExceptionInfo[DataError]) -> str:
    assert len(exc.value.problems) == 1, exc.value.problems
    return exc.value.problems[0]


def test_values_and_their_lines(tmp_path):
    data, lines = load_with_lines(write(tmp_path, DOC))
    assert data == {
        "as_of": "2021-07-27",
        "shops": [
            {"id": "a", "phone": "0120-111-111"},
            {"id": "b", "phone": "0120-222-222", "hours": {"ja": "平日", "en": "Weekdays"}},
        ],
    }
    assert lines[("as_of",)] == 2
    assert lines[("shops",)] == 4  # a value's line: the sequence starts at its first item
    assert lines[("shops", 0)] == 4
    assert lines[("shops", 0, "phone")] == 5
    assert lines[("shops", 1)] == 6
    assert lines[("shops", 1, "phone")] == 7
    assert lines[("shops", 1, "hours", "en")] == 8


def test_line_for_falls_back_to_the_nearest_ancestor(tmp_path):
    _, lines = load_with_lines(write(tmp_path, DOC))
    assert line_for(lines, ("shops", 1, "phone")) == 7
    assert line_for(lines, ("shops", 1, "email")) == 6  # missing field → its entry
    assert line_for(lines, ("shops", 9, "phone")) == 4  # missing entry → the list
    assert line_for(lines, ()) == lines[()]


@pytest.mark.parametrize(
    "path, text",
    [
        (("shops", 2, "phone"), "shops[2].phone"),
        (("texts", "button.menu", "en"), "texts.button.menu.en"),
        (("a", 0, 1), "a[0][1]"),
        ((), "(top)"),
    ],
)
def test_format_path(path, text):
    assert format_path(path) == text


def test_duplicate_key_names_the_second_occurrence(tmp_path):
    text = DOC.replace('    phone: "0120-222-222"\n', '    phone: "0120-222-222"\n    id: c\n')
    with pytest.raises(DataError) as exc:
        load_with_lines(write(tmp_path, text))
    problem = only_problem(exc)
    assert problem.startswith(f"{tmp_path / 'f.yaml'}:8: ")
    assert "shops[1].id" in problem and "duplicate key" in problem


def test_duplicate_top_level_key(tmp_path):
    with pytest.raises(DataError) as exc:
        load_with_lines(write(tmp_path, DOC + 'as_of: "2022-01-01"\n'))
    problem = only_problem(exc)
    assert ":9: as_of: duplicate key" in problem


def test_every_duplicate_key_is_reported(tmp_path):
    text = DOC.replace('"0120-111-111"\n', '"0120-111-111"\n    phone: "x"\n') + "as_of: x\n"
    with pytest.raises(DataError) as exc:
        load_with_lines(write(tmp_path, text))
    assert len(exc.value.problems) == 2
    assert any(":6: shops[0].phone: duplicate key" in p for p in exc.value.problems)
    assert any(":10: as_of: duplicate key" in p for p in exc.value.problems)


@pytest.mark.parametrize(
    "broken, line",
    [
        # a colon in an unquoted value
        ('    phone: "0120-111-111"\n', "    phone: 0120: 111\n"),
        # a tab where indentation is expected
        ('    phone: "0120-111-111"\n', '\tphone: "0120-111-111"\n'),
        # a line indented too little inside an entry
        ('    phone: "0120-111-111"\n', '   phone: "0120-111-111"\n'),
    ],
    ids=["colon-in-value", "tab", "bad-indent"],
)
def test_syntax_error_names_the_line(tmp_path, broken, line):
    path = write(tmp_path, DOC.replace(broken, line))
    with pytest.raises(DataError) as exc:
        load_with_lines(path)
    problem = only_problem(exc)
    assert problem.startswith(f"{path}:5: YAML syntax error"), problem


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n# and another\n"], ids=["empty", "blank", "comments"])
def test_empty_file_is_refused(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as exc:
        load_with_lines(path)
    assert only_problem(exc) == f"{path}:1: the file is empty"


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(DataError) as exc:
        load_with_lines(path)
    assert only_problem(exc) == f"{path}: file not found"


def test_not_utf8_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "sjis.yaml"
    path.write_bytes(DOC.encode("cp932"))
    with pytest.raises(DataError) as exc:
        load_with_lines(path)
    problem = only_problem(exc)
    assert problem.startswith(f"{path}") and "not UTF-8" in problem


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "sjis.yaml"
    path.write_bytes(DOC.encode("cp932"))  # the first non-ASCII byte is on line 8 (平日)
    with pytest.raises(DataError) as exc:
        load_with_lines(path)
    assert only_problem(exc).startswith(f"{path}:8:")


def test_utf8_with_bom_is_accepted(tmp_path):
    # Excel and Notepad on Windows save UTF-8 with a BOM.
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + DOC.encode("utf-8"))
    data, lines = load_with_lines(path)
    assert data["as_of"] == "2021-07-27"
    assert lines[("shops", 1, "phone")] == 7


def test_parse_cache_serves_the_second_load_and_errors_still_name_lines(tmp_path, monkeypatch):
    from bot.data.schema import ShopFile, validate_file
    from bot.data.yaml_lines import load_cached

    monkeypatch.setenv("MADOGUCHI_CACHE", str(tmp_path / "cache"))
    good = tmp_path / "ok.yaml"
    good.write_text("a: 1\nb: [x, y]\n", encoding="utf-8")
    assert load_cached(good)[0] == {"a": 1, "b": ["x", "y"]}  # a fresh parse (the plain subset: no lines)
    (entry,) = (tmp_path / "cache").glob("*.marshal")
    entry.write_bytes(marshal.dumps({"from": "the cache"}))
    data, lines = load_cached(good)
    assert data == {"from": "the cache"} and lines is None
    bad = tmp_path / "shops.yaml"
    bad.write_text('as_of: "x"\nsource: s\nshops:\n  - id: a\n    carrier: nttt\n', encoding="utf-8")
    for _ in range(2):  # fresh parse, then from the cache: the line is named both times
        with pytest.raises(DataError) as exc:
            validate_file(ShopFile, bad)
        assert f"{bad}:5: shops[0].carrier" in str(exc.value)


def test_an_impossible_date_is_a_located_error_not_a_crash(tmp_path):
    path = tmp_path / "shops.yaml"
    path.write_text("as_of: 2021-07-27\nsource: s\nchecked: 2021-02-30\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_with_lines(path)
    assert f"{path}:3: '2021-02-30'" in str(exc.value)


def test_off_the_main_thread_the_parse_cache_is_left_alone(tmp_path, monkeypatch):
    import threading

    from bot.data.yaml_lines import load_cached

    monkeypatch.setenv("MADOGUCHI_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "ok.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    got: list = []
    worker = threading.Thread(target=lambda: got.append(load_cached(path)))
    worker.start()
    worker.join()
    assert got == [({"a": 1}, None)] and not (tmp_path / "cache").exists()
    load_cached(path)
    assert len(list((tmp_path / "cache").glob("*.marshal"))) == 1
