"""The knowledge bundle: every file of ``knowledge/`` loaded, validated and indexed.

Lives here: ``Knowledge`` (municipalities, procedures, programme facts, intents, carriers,
particles, date words, UI texts, other prefectures), ``load_knowledge``, which validates every file
and the references between them, collecting all problems before refusing, and
``default_knowledge`` (the configured directory, loaded once, for the few places
no app hands its knowledge to). Reads the files under the directory it is given; nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot import config
from bot.data import vocabulary
from bot.data.concept_schema import ConceptFile, LifeEventFile
from bot.data.schema import (
    Carrier,
    CarrierFile,
    ElsewhereFile,
    IntentFile,
    Municipality,
    MunicipalityFile,
    Procedure,
    ProcedureFile,
    ProgrammeFile,
    TextFile,
    located,
    validate_file,
)
from bot.data.words_schema import DateWordFile, ParticleFile
from bot.data.yaml_lines import DataError

REQUIRED_TEXTS_FILE = "texts.yaml"
CONCEPTS_FILE = "concepts.yaml"
LIFE_EVENTS_FILE = "life_events.yaml"


@dataclass
class Knowledge:
    municipalities: MunicipalityFile
    procedures: ProcedureFile
    programme: ProgrammeFile
    intents: IntentFile
    carriers: CarrierFile
    particles: ParticleFile
    dates: DateWordFile
    texts: TextFile
    elsewhere: ElsewhereFile
    concepts: ConceptFile
    life_events: LifeEventFile
    directory: Path = Path(".")
    _by_name: dict[str, Municipality] = field(default_factory=dict, repr=False)
    _procs: dict[str, Procedure] = field(default_factory=dict, repr=False)
    _carriers: dict[str, Carrier] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {m.name: m for m in self.municipalities.municipalities}
        self._procs = {p.id: p for p in self.procedures.procedures}
        self._carriers = {c.id: c for c in self.carriers.carriers}

    def carrier(self, carrier_id: str) -> Carrier | None:
        return self._carriers.get(carrier_id)

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
        "carriers": (CarrierFile, vocabulary.CARRIERS_FILE),
        "particles": (ParticleFile, vocabulary.PARTICLES_FILE),
        "dates": (DateWordFile, vocabulary.DATES_FILE),
        "texts": (TextFile, REQUIRED_TEXTS_FILE),
        "elsewhere": (ElsewhereFile, "elsewhere.yaml"),
        "concepts": (ConceptFile, CONCEPTS_FILE),
        "life_events": (LifeEventFile, LIFE_EVENTS_FILE),
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
    problems = references(loaded, directory)
    if problems:
        raise DataError(problems)
    return Knowledge(**loaded, directory=directory)


def references(loaded: dict, directory: Path) -> list[str]:
    """Problems with what one file names in another: a concept that concepts.yaml does not
    define (in an intent, FAQ entry, procedure or life event), a procedure a life event leads
    to that procedures.yaml does not have. Each with its file and line."""
    concepts = {c.id for c in loaded["concepts"].concepts}
    procedures = {p.id for p in loaded["procedures"].procedures}
    found: list[tuple[str, tuple, str]] = []

    def check(file: str, key: str, items: list, field_name: str, known: set[str], what: str) -> None:
        for i, item in enumerate(items):
            for j, name in enumerate(getattr(item, field_name)):
                if name not in known:
                    found.append((file, (key, i, field_name, j), f"unknown {what} {name!r}"))

    check("intents.yaml", "intents", loaded["intents"].intents, "concepts", concepts, "concept")
    check("programme.yaml", "faq", loaded["programme"].faq, "concepts", concepts, "concept")
    check("procedures.yaml", "procedures", loaded["procedures"].procedures, "concepts", concepts, "concept")
    events = loaded["life_events"].events
    check(LIFE_EVENTS_FILE, "events", events, "procedures", procedures, "procedure")
    check(LIFE_EVENTS_FILE, "events", events, "unless", concepts, "concept")
    for i, event in enumerate(events):
        for j, combination in enumerate(event.when):
            for k, name in enumerate(combination):
                if name not in concepts:
                    found.append((LIFE_EVENTS_FILE, ("events", i, "when", j, k), f"unknown concept {name!r}"))
    return [located(directory / file, loc, msg) for file, loc, msg in found]


def default_knowledge() -> Knowledge:
    """The knowledge of ``config.knowledge_dir()``, loaded once per directory.

    For code that runs without an app to take it from (a scheduler started without one);
    everything else is handed the app's ``Knowledge``."""
    return _load_once(config.knowledge_dir().resolve())


@lru_cache(maxsize=4)
def _load_once(directory: Path) -> Knowledge:
    return load_knowledge(directory)
