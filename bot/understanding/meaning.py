"""What a message means beyond its characters: words, concepts, life events, aspects and the
answers that retrieval finds for it.

Lives here: ``Meaning`` (built once per knowledge bundle: the analyser, the concept index,
the retrieval documents of every answer, the life events) and ``Sense`` (one message's
terms, concepts, aspects, life events and retrieved answers, searched when first asked for).
``Meaning.agrees`` is the word-level guard on character fuzzy matching: a message whose words
the knowledge knows as they are is no typo of an example it shares no word or concept with
(「介護」 is not 「英語」).
Pure computation over the knowledge it was given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.data.concept_schema import LifeEvent
from bot.data.knowledge import CONCEPTS_FILE, Knowledge
from bot.data.schema import located
from bot.understanding.concepts import ConceptIndex, Found
from bot.understanding.morphology import Analyser, english_words, shared_analyser
from bot.understanding.normalize import DROPPED_RE, NOT_WORD_RE, fold, romaji_to_kana
from bot.understanding.retrieval import DECLARED_WEIGHT, Retrieved, Retriever

WHAT_WEIGHT = 0.5  # a procedure's explanation counts half as much as its names
SECTIONS = ("prepare", "how", "who", "ask", "what")  # the parts of a procedure's answer, most asked first


@dataclass
class Sense:
    terms: Counter = field(default_factory=Counter)
    found: Found = field(default_factory=Found)
    events: list[LifeEvent] = field(default_factory=list)
    all_known: bool = False  # every word is one the knowledge uses as it is
    shaky: set[str] = field(default_factory=set)  # events that rest on words that need context (壊れる)
    modified: set[str] = field(default_factory=set)  # events that rest on words before an unknown noun (介護タクシー)
    search: Callable[[Counter], list[Retrieved]] | None = field(default=None, repr=False, compare=False)
    _retrieved: list[Retrieved] | None = field(default=None, repr=False, compare=False)

    @property
    def retrieved(self) -> list[Retrieved]:
        """The answers retrieval finds for the terms (``search``), searched when first asked for:
        the sentences of a long message are read for their concepts, most never for answers."""
        if self._retrieved is None:
            self._retrieved = self.search(self.terms) if self.search is not None else []
        return self._retrieved

    @property
    def aspects(self) -> set[str]:
        return self.found.aspects


def documents(knowledge: Knowledge) -> dict[str, list[tuple[str, float]]]:
    """Every answer's texts with their weights, by intent id (the ids the engine runs)."""
    docs: dict[str, list[tuple[str, float]]] = {}
    for intent in knowledge.intents.intents:
        docs[intent.id] = [(ex, 1.0) for ex in intent.examples] + [("@" + c, DECLARED_WEIGHT) for c in intent.concepts]
    for faq in knowledge.programme.faq:
        texts = [faq.label.ja, faq.label.get("en"), *faq.examples]
        docs[f"faq:{faq.id}"] = [(t, 1.0) for t in texts] + [("@" + c, DECLARED_WEIGHT) for c in faq.concepts]
    for group in knowledge.procedures.groups:
        docs[f"group:{group.id}"] = [(group.label.ja, 1.0), (group.label.get("en"), 1.0)]
    for proc in knowledge.procedures.procedures:
        names = [proc.name, proc.short.ja, proc.short.get("en"), proc.name_en, *proc.aliases]
        docs[f"proc:{proc.id}"] = (
            [(t, 1.0) for t in names]
            + [(proc.what.ja, WHAT_WEIGHT), (proc.what.get("en"), WHAT_WEIGHT)]
            + [("@" + c, DECLARED_WEIGHT) for c in proc.concepts]
        )
    return docs


def answer_texts(knowledge: Knowledge) -> list[str]:
    """What the answers say, beyond the names that retrieval scores."""
    texts = [f.answer.ja for f in knowledge.programme.faq]
    for proc in knowledge.procedures.procedures:
        texts += [getattr(proc, part).ja for part in ("what", "who", "prepare", "how", "ask")]
    return texts


class Meaning:
    def __init__(self, knowledge: Knowledge, analyser: Analyser | None = None, kept: tuple | None = None):
        """``kept``: the ``state()`` of a Meaning built before from the same knowledge and code
        (the documents' terms are then read back, not analysed again)."""
        self.analyser = analyser or shared_analyser()
        self.index = ConceptIndex(knowledge.concepts, self.analyser)
        self.events = knowledge.life_events.events
        self.side = {"@" + c for c in self.index.aspect_of} | {"@" + c for c in self.index.neutral}
        if kept is not None:
            weighted, known, mentioned = kept
            self.known, self.mentioned = set(known), set(mentioned)
        else:
            weighted = self._documents(knowledge)
            # Words the answers use anywhere (who may apply, what to prepare, the FAQ's answers): a
            # question that uses them is no question about something else (「写真はいる？」).
            self.mentioned = {w.lemma for text in answer_texts(knowledge) for w in self.analyser.words(text)}
        self._weighted = weighted
        self.retriever = Retriever(weighted, self.side)
        self._example_terms: dict[str, frozenset[str]] = {}
        self._sections: dict[tuple[str, str], frozenset[str]] = {}
        self._said: dict[str, frozenset[str]] = {}

    def _documents(self, knowledge: Knowledge) -> dict[str, dict[str, int]]:
        """Each answer's weighted terms; learns ``known``, the lemmas the knowledge uses as they
        are, which are never corrected as typos of something else."""
        self.known: set[str] = set()
        weighted: dict[str, dict[str, int]] = {}
        for doc, parts in documents(knowledge).items():
            bag: Counter = Counter()
            for text, weight in parts:
                if text.startswith("@"):
                    bag[text] += weight
                    continue
                for term in self.terms(text, learn=True):
                    bag[term] += weight
            weighted[doc] = dict(bag)
        return weighted

    def state(self) -> tuple:
        """What ``kept`` takes, in types ``marshal`` keeps."""
        return self._weighted, sorted(self.known), sorted(self.mentioned)

    def problems(self, directory) -> list[str]:
        """``file:line`` problems of the concept file that only analysing its words shows: a word
        in two concepts, neither broader than the other, or in a concept and the ignored words."""
        return [located(directory / CONCEPTS_FILE, loc, msg) for loc, msg in self.index.conflicts]

    def section_with(self, proc, lemmas: list[str]) -> str | None:
        """The part of a procedure's answer (``prepare``, ``how``, ``who``, ``ask``, ``what``) whose
        text uses every one of ``lemmas``: 「写真は？」 after the card's answer is its "how"
        (顔写真を撮って), after the disaster certificate's its "prepare" (被害の様子がわかる写真)."""
        if not lemmas:
            return None
        for part in SECTIONS:
            key = (proc.id, part)
            words = self._sections.get(key)
            if words is None:
                texts = getattr(proc, part)
                words = self._sections[key] = frozenset(
                    w.lemma for text in (texts.ja, texts.get("en")) for w in self.analyser.words(text)
                ) | frozenset(english_words(texts.get("en")))
            if all(lemma in words for lemma in lemmas):
                return part
        return None

    def said_in(self, proc) -> frozenset[str]:
        """The concepts a procedure's answer itself speaks of (its explanation, who, what to
        prepare, how, where to ask: the card and its PINs, the city hall …), besides those it
        declares: a follow-up about them asks of that answer."""
        said = self._said.get(proc.id)
        if said is None:
            texts = [getattr(proc, part).ja for part in SECTIONS]
            said = self._said[proc.id] = frozenset(c for text in texts for c in self._terms_and_found(text)[1].concepts)
        return said

    def terms(self, text: str, drop: tuple[str, ...] = (), learn: bool = False) -> Counter:
        return self._terms_and_found(text, drop, learn)[0]

    def _terms_and_found(self, text: str, drop: tuple[str, ...] = (), learn: bool = False) -> tuple[Counter, Found]:
        if text.isascii():
            stems = english_words(text)
            words = self.analyser.words(romaji_to_kana(text)) if not _englishish(stems, self.index) else ()
            found = self.index.find(words, stems if not words else None, self.known)
        else:
            words = self.analyser.words(text)
            if drop:
                words = tuple(w for w in words if not _dropped(w.surface, drop))
            found = self.index.find(words, english_words(text), self.known)
        if learn:
            self.known.update(found.unclaimed)
        terms = Counter({"@" + c: 1 for c in found.concepts})
        terms.update(found.unclaimed)
        return terms, found

    def sense(self, text: str, drop: tuple[str, ...] = ()) -> Sense:
        """The meaning of a message (cleaned, its names already masked by ``mask_names``)."""
        terms, found = self._terms_and_found(text, drop)
        sense = Sense(terms=terms, found=found)
        # Romaji is read as kana, and kana is where the analyser guesses: no guard there.
        sense.all_known = not text.isascii() and all(self.retriever.knows(t) for t in found.unclaimed)
        sense.events = self._events(found.concepts)
        if found.direct & self.index.contextual:
            firm = {e.id for e in self._events(self.index.firm(found))}
            sense.shaky = {e.id for e in sense.events} - firm
        if found.modifiers:
            heads = {e.id for e in self._events(self.index.firm(found, found.modifiers))}
            sense.modified = {e.id for e in sense.events} - heads
        sense.search = self.retriever.search
        return sense

    def _events(self, concepts: set[str]) -> list[LifeEvent]:
        """The life events whose ``when`` sets the concepts hold, the most telling first: the
        largest set, then the most specific one (its concepts' broader concepts counted: the
        lost 負担割合証, a care certificate, tells more than a move of someone in care)."""
        matched = []
        for order, event in enumerate(self.events):
            if set(event.unless) & concepts:
                continue
            keys = [(len(w), self._depth(w)) for w in event.when if set(w) <= concepts]
            if keys:
                size, depth = max(keys)
                matched.append((-size, -depth, order, event))
        return [m[-1] for m in sorted(matched, key=lambda m: m[:3])]

    def _depth(self, concepts) -> int:
        return sum(len(self.index.ancestors.get(c, ())) for c in concepts)

    def agrees(self, sense: Sense, example: str) -> bool:
        """Whether a character match with ``example`` (an example's original text) can stand:
        the message has a word the knowledge does not know as it is (a typo, a kana spelling),
        or it shares a word or concept with the example."""
        if not sense.all_known:
            return True
        mine = self._example_terms.get(example)
        if mine is None:
            mine = self._example_terms[example] = frozenset(t for t in self.terms(example) if self._topical(t))
        theirs = {t for t in sense.terms if self._topical(t)}
        return not mine or not theirs or bool(mine & theirs)

    def _topical(self, term: str) -> bool:
        """A concept that says what a text is about (not an aspect, not who)."""
        return term.startswith("@") and term not in self.side


def _englishish(stems: list[str], index: ConceptIndex) -> bool:
    """An ASCII text is English (not romaji) when one of its words is an English word we know."""
    return any(s in index.ignored_en or s in index._english for s in stems)


def _dropped(surface: str, drop: tuple[str, ...]) -> bool:
    folded = fold(surface, keep_katakana=True)
    return bool(folded) and any(folded in name for name in drop)


_SMALL = str.maketrans(
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ", "あいうえおつやゆよわかけアイウエオツヤユヨワカケ"
)


def mask_names(cleaned: str, kept: str, spans: list[tuple[int, int]]) -> str:
    """``cleaned`` with the characters of names found in ``kept`` (its folded form, see
    ``normalize.fold``) blanked out, so 「防府のドコモショッブ」 is analysed as 「防府の   ショッブ」
    minus the place too. Folding only drops characters (long-vowel marks, punctuation) and
    squeezes spaces, so the two are aligned by walking both; on any surprise, nothing is masked."""
    if not spans:
        return cleaned
    inside = set()
    for start, end in spans:
        inside.update(range(start, end))
    out, j = [], 0
    for c in cleaned:
        f = c.lower().translate(_SMALL)
        if len(f) != 1 or DROPPED_RE.fullmatch(f):
            out.append(c)
            continue
        if NOT_WORD_RE.fullmatch(f) or f.isspace():
            if j < len(kept) and kept[j] == " ":
                j += 1
            out.append(c)
            continue
        if j >= len(kept) or kept[j] != f:
            return cleaned
        out.append(" " if j in inside else c)
        j += 1
    return "".join(out)
