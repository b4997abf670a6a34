"""Dispatch as data: every intent has a skill; one without is refused with its file and line."""

import shutil

import pytest

from bot.data.knowledge import load_knowledge
from bot.data.yaml_lines import DataError
from bot.dialogue import registry
from bot.dialogue.engine import Engine


def test_every_bundled_intent_has_a_skill(knowledge):
    assert registry.missing(knowledge) == []
    assert {i.id for i in knowledge.intents.intents} <= set(registry.SKILLS)


def test_an_intent_without_a_skill_is_refused_at_start(tmp_path, knowledge):
    folder = tmp_path / "knowledge"
    shutil.copytree(knowledge.directory, folder)
    path = folder / "intents.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "  - id: bye\n", "  - id: weather\n    examples: [天気]\n  - id: bye\n", 1
        ),
        encoding="utf-8",
    )
    changed = load_knowledge(folder)
    problems = registry.missing(changed)
    assert len(problems) == 1 and "intents.yaml:" in problems[0] and "'weather'" in problems[0]
    with pytest.raises(DataError):
        Engine(changed, lambda: None, stores=None)


def test_labels_come_from_the_registry():
    assert registry.label("classes") == "button.classes"
    assert registry.label("greeting") == "button.menu"
