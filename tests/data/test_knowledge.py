"""The knowledge bundle: a broken file is refused with file, line and field; the bundled
knowledge is valid and its reading lexicon is current (``madoguchi knowledge check``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot import config
from bot.cli import main
from bot.data.knowledge import load_knowledge
from bot.data.yaml_lines import DataError
from tests.support.knowledge_files import copy_knowledge, edit_line


@pytest.fixture
def copy(tmp_path):
    """A copy of the bundled knowledge/ to break."""
    return copy_knowledge(tmp_path)


def test_bundled_knowledge_loads(knowledge):
    assert len(knowledge.municipalities.municipalities) == 19
    assert len(knowledge.procedures.procedures) == 32  # the 26, five from the seed, マイナ保険証
    assert knowledge.programme.contact.phone == "03-5974-0129"
    assert [lvl.name for lvl in knowledge.programme.levels] == ["入門", "体験", "基本", "応用", "活用"]
    assert knowledge.municipality("山口市").name_en
    assert knowledge.municipality("東京都") is None
    proc = knowledge.procedures.procedures[0]
    assert knowledge.procedure(proc.id) is proc


def test_texts_are_filled_in_either_language(knowledge):
    assert "500" in knowledge.text("too_long", "ja", limit=500)
    assert "500" in knowledge.text("too_long", "en", limit=500)
    assert knowledge.text("button.menu", "ja") == "メニュー"
    assert knowledge.text("button.menu", "en") == "Menu"


def test_every_procedure_group_exists(knowledge):
    groups = {g.id for g in knowledge.procedures.groups}
    assert all(p.group in groups for p in knowledge.procedures.procedures)


@pytest.mark.parametrize(
    "key, edited, problem",
    [
        ("empty", '{en: "Please type your question."}', "texts.empty.ja: Field required"),  # Japanese is required
        (
            "empty",
            '{ja: "ご質問を入力してください。", en: ""}',
            "texts.empty.en: String should have at least 1 character",
        ),
        (
            "empty",
            '{ja: "ご質問を入力してください。", fr: "Écrivez votre question."}',
            "texts.empty: Value error, 'fr' is no language (known: ja, en, ja-easy)",
        ),
        (
            "weekdays",
            '{ja: "月火水木金土日", en: "Mon Tue Wed Thu Fri Sat Sun"}',
            "texts.weekdays.ja: needs seven weekdays, Monday first, separated by spaces",
        ),
    ],
)
def test_a_broken_text_is_refused_with_its_line(copy, key, edited, problem):
    texts = copy / "texts.yaml"
    line = edit_line(texts, f"  {key}:", f"  {key}: {edited}\n")
    with pytest.raises(DataError) as exc:
        load_knowledge(copy)
    assert exc.value.problems == [f"{texts}:{line}: {problem}"]


def test_every_broken_file_is_reported_together(copy):
    texts = copy / "texts.yaml"
    t_line = edit_line(texts, "  button.menu:", "  button.menu: {ja: メニュー, en: ''}\n")
    munis = copy / "municipalities.yaml"
    m_line = edit_line(munis, "prefecture:", "prefecture: {name: 山口県, kana: やまぐちけん, romaji: yamaguchi-ken}\n")
    with pytest.raises(DataError) as exc:
        load_knowledge(copy)
    problems = exc.value.problems
    assert len(problems) == 2, problems
    assert any(p.startswith(f"{texts}:{t_line}: texts.button.menu.en: ") for p in problems)
    assert any(p.startswith(f"{munis}:{m_line}: prefecture.name_en: Field required") for p in problems)


def test_a_procedure_in_an_unknown_group(copy):
    procs = copy / "procedures.yaml"
    line = edit_line(procs, "    group: pregnancy", "    group: pregnancyy\n")
    with pytest.raises(DataError) as exc:
        load_knowledge(copy)
    (problem,) = exc.value.problems
    assert problem.startswith(f"{procs}:{line}: procedures[")
    assert ".group: unknown group 'pregnancyy'" in problem


def test_a_duplicate_municipality(copy):
    munis = copy / "municipalities.yaml"
    line = edit_line(munis, "    name: 宇部市", "    name: 下関市\n")
    with pytest.raises(DataError) as exc:
        load_knowledge(copy)
    # 宇部市 is gone too: its MyNa Portal figure now names no municipality
    problem, gone = exc.value.problems
    assert "mynaportal_uptake.counts.宇部市: not a municipality" in gone
    assert problem.startswith(f"{munis}:") and "duplicate municipality '下関市'" in problem
    # the entry of the second 下関市: its first line (``- code:``) is just above ``name:``
    assert int(problem.split(":")[1]) in (line - 1, line)


def test_a_missing_knowledge_file(copy):
    (copy / "elsewhere.yaml").unlink()
    with pytest.raises(DataError) as exc:
        load_knowledge(copy)
    assert exc.value.problems == [f"{copy / 'elsewhere.yaml'}: file not found"]


def test_knowledge_check_passes_on_the_bundled_data(capsys):
    assert main(["knowledge", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ") and str(config.knowledge_dir()) in out


def test_knowledge_check_refuses_a_broken_file(copy):
    texts = copy / "texts.yaml"
    line = edit_line(texts, "  empty:", '  empty: {en: "Please type your question."}\n')
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "knowledge", "check", "--knowledge", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert f"{texts}:{line}: texts.empty.ja: Field required" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_folder_without_a_text_the_code_uses_is_refused_with_file_and_line(copy):
    texts = copy / "texts.yaml"
    lines = texts.read_text(encoding="utf-8").splitlines()
    start = lines.index("texts:")
    line = next(n for n, text in enumerate(lines[start + 1 :], start + 2) if not text.lstrip().startswith("#"))
    edit_line(texts, "  subscribe_ask:", "")  # a stale folder, from before the subscriptions asked first
    with pytest.raises(DataError) as refused:
        load_knowledge(copy)
    assert refused.value.problems == [f"{texts}:{line}: texts: text 'subscribe_ask' is missing (the code uses it)"]
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "knowledge", "check", "--knowledge", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "subscribe_ask" in proc.stderr and "Traceback" not in proc.stderr


def test_knowledge_check_finds_a_stale_lexicon(copy, capsys):
    intents = copy / "intents.yaml"
    text = intents.read_text(encoding="utf-8")
    assert text.count("examples: [こんにちは,") == 1
    intents.write_text(text.replace("examples: [こんにちは,", "examples: [鬱蒼とした森, こんにちは,"), encoding="utf-8")
    assert main(["knowledge", "check", "--knowledge", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "out of date" in out and "madoguchi knowledge readings" in out


def test_default_knowledge_is_the_configured_directory_loaded_once(copy, monkeypatch):
    from bot.data.knowledge import default_knowledge

    monkeypatch.setenv("MADOGUCHI_KNOWLEDGE", str(copy))
    first = default_knowledge()
    assert first.directory == copy.resolve() and default_knowledge() is first


def test_an_uptake_figure_for_no_municipality_or_beyond_the_procedures_is_refused(copy):
    munis = copy / "municipalities.yaml"
    text = munis.read_text(encoding="utf-8")
    munis.write_text(text.replace("光市: 12,", "光市: 27, 東京都: 3,"), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_knowledge(copy)
    problems = exc.value.problems
    assert len(problems) == 2, problems
    assert any("mynaportal_uptake.counts.東京都: not a municipality of this file" in p for p in problems)
    assert any("27 is not between 0 and the 26 procedures" in p for p in problems)
    assert all(p.startswith(f"{munis}:") for p in problems)
