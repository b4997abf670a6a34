"""The built understanding kept on disk (bot/understanding/parser.py ``_cache_files``, through
bot/data/disk_cache.py): a second start reads it back and understands every message as a fresh
build does; an edit of the knowledge or an unreadable cache builds it anew."""

from __future__ import annotations

import shutil

import pytest

from bot.data.knowledge import load_knowledge
from bot.understanding import parser
from tests.conftest import NOW
from tests.support.conversations import load_cases

MESSAGES = sorted({turn.say for case in load_cases() for turn in case.turns if turn.say})[:400]


def _built(tmp_path, knowledge, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_CACHE", str(tmp_path / "cache"))
    return parser.Understanding(knowledge)


def _understood(u: parser.Understanding, text: str) -> tuple:
    p = u.parse(text, NOW.date())
    best = p.best.intent if p.best else None
    return (p.lang, tuple(p.cities), p.carrier, p.level, p.topic, p.when, best, tuple(sorted(p.sense.found.concepts)))


def test_a_second_start_reads_the_built_understanding_back_and_understands_alike(tmp_path, knowledge, monkeypatch):
    first = _built(tmp_path, knowledge, monkeypatch)
    (kept,) = (tmp_path / "cache").glob("understanding-*.marshal")
    built = []
    monkeypatch.setattr(parser.Understanding, "_build_gazetteer", staticmethod(lambda k: built.append(k)))
    second = _built(tmp_path, knowledge, monkeypatch)
    assert built == []  # the gazetteer came from the cache
    assert second.gazetteer.state() == first.gazetteer.state()
    assert second.meaning.state() == first.meaning.state()
    assert second._original == first._original and second._vocabulary == first._vocabulary
    assert [_understood(second, m) for m in MESSAGES] == [_understood(first, m) for m in MESSAGES]
    assert kept.exists()


def test_an_edit_of_the_knowledge_builds_it_anew(tmp_path, monkeypatch):
    from bot import config

    edited = tmp_path / "knowledge"
    shutil.copytree(config.knowledge_dir(), edited)
    _built(tmp_path, load_knowledge(edited), monkeypatch)
    municipalities = edited / "municipalities.yaml"
    municipalities.write_text(municipalities.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _built(tmp_path, load_knowledge(edited), monkeypatch)
    assert len(list((tmp_path / "cache").glob("understanding-*.marshal"))) == 2


@pytest.mark.parametrize("damage", [b"", b"\x00not marshal", b"\xe3" * 100, b"i\x01\x00\x00\x00"])
def test_an_unreadable_cache_is_built_again(tmp_path, knowledge, monkeypatch, damage):
    first = _built(tmp_path, knowledge, monkeypatch)
    (kept,) = (tmp_path / "cache").glob("understanding-*.marshal")
    kept.write_bytes(damage)  # the last: the marshal of the number 1, readable but no built understanding
    again = _built(tmp_path, knowledge, monkeypatch)
    assert again.gazetteer.state() == first.gazetteer.state()
    assert [_understood(again, m) for m in MESSAGES[:50]] == [_understood(first, m) for m in MESSAGES[:50]]
    assert kept.read_bytes() != damage  # written again


def test_without_the_analyses_it_is_built_anew_and_the_analyses_are_kept_again(tmp_path, knowledge, monkeypatch):
    from bot.data import disk_cache

    first = _built(tmp_path, knowledge, monkeypatch)
    (analyses,) = (tmp_path / "cache").glob("analyses-*.marshal")
    kept = disk_cache.read(analyses)
    analyses.unlink()  # the built understanding is there, its analyses are not
    built = []
    real = parser.Understanding._build_gazetteer
    monkeypatch.setattr(parser.Understanding, "_build_gazetteer", staticmethod(lambda k: built.append(k) or real(k)))
    again = _built(tmp_path, knowledge, monkeypatch)
    assert built == [knowledge]  # built anew, not read back
    assert disk_cache.read(analyses) == kept  # the analyses kept again, whole
    assert again.gazetteer.state() == first.gazetteer.state()
