"""The knowledge bundle: every file of ``knowledge/`` loaded, validated and indexed.

Lives here: ``Knowledge`` (municipalities, procedures, programme facts, intents,
UI texts, other prefectures), ``load_knowledge``, which validates every file
and the references between them, collecting all problems before refusing, and
``default_knowledge`` (the configured directory, loaded once, for the few places
no app hands its knowledge to). Reads the files under the directory it is given; nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot import config

from bot.data.schema import (
    ElsewhereFile,
    IntentFile,
    Municipality,
    MunicipalityFile,
    Procedure,
    ProcedureFile,
    ProgrammeFile,
    TextFile,
    validate_file,
)
from bot.data.yaml_lines import DataError

REQUIRED_TEXTS_FILE = "texts.yaml"


@dataclass
class Knowledge:
    municipalities: MunicipalityFile
    procedures: ProcedureFile
    programme: ProgrammeFile
    intents: IntentFile
    texts: TextFile
    elsewhere: ElsewhereFile
    directory: Path = Path(".")
    _by_name: dict[str, Municipality] = field(default_factory=dict, repr=False)
    _procs: dict[str, Procedure] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {m.name: m for m in self.municipalities.municipalities}
        self._procs = {p.id: p for p in self.procedures.procedures}

    def municipality(self, name: str) -> Municipality | None:
        return self._by_name.get(name)

    def procedure(self, proc_id: str) -> Procedure | None:
        return self._procs.get(proc_id)

    def text(self, key: str, lang: str, **values: object) -> str:
        """A UI text in ``lang`` with ``{name}`` placeholders filled."""
        template = self.texts.texts[key].get(lang)
        return template.format(**values) if values else template

    def has_text(self, key: str) -> bool:
        return key in self.texts.texts


def load_knowledge(directory: str | Path) -> Knowledge:
    """Load and validate every knowledge file; raise one ``DataError`` listing all problems."""
    directory = Path(directory)
    files = {
        "municipalities": (MunicipalityFile, "municipalities.yaml"),
        "procedures": (ProcedureFile, "procedures.yaml"),
        "programme": (ProgrammeFile, "programme.yaml"),
        "intents": (IntentFile, "intents.yaml"),
        "texts": (TextFile, REQUIRED_TEXTS_FILE),
        "elsewhere": (ElsewhereFile, "elsewhere.yaml"),
    }
    loaded: dict = {}
    problems: list[str] = []
    for key, (model, name) in files.items():
        try:
            loaded[key] = validate_file(model, directory / name)
        except DataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    return Knowledge(**loaded, directory=directory)


def default_knowledge() -> Knowledge:
    """The knowledge of ``config.knowledge_dir()``, loaded once per directory.

    For code that runs without an app to take it from (a scheduler started without one);
    everything else is handed the app's ``Knowledge``."""
    return _load_once(config.knowledge_dir().resolve())


@lru_cache(maxsize=4)
def _load_once(directory: Path) -> Knowledge:
    return load_knowledge(directory)
