"""From a resident's text to a ``Parse``: language, places, carrier, dates, level,
topic, and scored intents.

Lives here: ``Understanding`` (built once from the knowledge bundle; holds the
gazetteer and the intent scorer) and ``Parse``. Names found in the text are
masked before intent scoring, so 「宇部のドコモショップ」 and 「ショップ」 score alike.
Romaji (``sumaho kyoushitsu``) is read as kana; English is scored against the
English examples. Pure computation over the knowledge it was given.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from bot import languages
from bot.data import disk_cache
from bot.data.knowledge import Knowledge
from bot.understanding import dialect
from bot.understanding.gazetteer import ELSEWHERE, PREFECTURE, Gazetteer, Mention
from bot.understanding.intents import IntentScorer, Scored
from bot.understanding.keywords import Keyword, aligned, in_text, keyword, occurs
from bot.understanding.meaning import Meaning, Sense, mask_names
from bot.understanding.morphology import dictionary_version, shared_analyser, stem
from bot.understanding.normalize import (
    MAX_UNDERSTOOD_CHARS,
    SENTENCE_END,
    ascii_words,
    clean,
    fold,
    has_japanese,
    kanji_runs,
    romaji_to_kana,
    squeeze,
)
from bot.understanding.readings import LEXICON_FILE, ReadingLexicon
from bot.understanding.when import DateFilter, parse_when


@dataclass
class Parse:
    """What the bot understood of one message."""

    text: str
    lang: str | None  # "ja", "en", or None when the text does not tell (a name, a number)
    folded: str
    reading: str
    cities: list[str] = field(default_factory=list)
    prefecture_wide: bool = False
    elsewhere: str | None = None
    carrier: str | None = None
    other_brand: str | None = None  # a phone brand whose shops are not listed (ワイモバイル)
    when: DateFilter | None = None
    level: str | None = None
    topic: str | None = None
    intents: list[Scored] = field(default_factory=list)
    number: int | None = None
    unknown: list[str] = field(default_factory=list)  # words the bot has no knowledge of (天気, weather)
    scoring: str = ""  # the form intents were scored on (names masked, kana reading)
    sense: Sense = field(default_factory=Sense)  # words, concepts, life events, aspects, retrieved answers

    @property
    def city(self) -> str | None:
        return self.cities[0] if self.cities else None

    @property
    def best(self) -> Scored | None:
        return self.intents[0] if self.intents else None

    @property
    def has_entities(self) -> bool:
        return bool(self.cities or self.carrier or self.prefecture_wide)


# 「2」, 「2番」, 「2ばんめ」, 「２つ目」, 「二番」, 「3番で」, 「1番をお願いします」: a button picked by its number.
_KANJI_DIGITS = {k: str(i) for i, k in enumerate("〇一二三四五六七八九")}
_CHOICE_NUMBER_RE = re.compile(
    r"(?:no\.?|#)?(\d{1,3})(?:ばんめ|ばん|番目|番|つめ|つ目|こめ|個目)?"
    r"(?:です|で|を|をおねがいします|をお願いします|でおねがいします|でお願いします|にする|にします)?"
)
_KANJI_CHOICE_RE = re.compile(
    r"([一二三四五六七八九])(?:ばんめ|ばん|番目|番|つめ|つ目)"
    r"(?:です|で|を|をおねがいします|をお願いします|にする|にします)?"
)


def _choice_number(folded: str) -> int | None:
    """The number of a button the message picks, or None. Older residents answer a
    numbered list as they would on the phone — 「2番」, 「二番」, 「3つ目です」 — not only
    with the bare digit; a counter makes a kanji numeral a choice too (二番), but a
    bare 一 or a number inside a sentence (「2人で」, 「90歳」) is not one."""
    text = folded.replace(" ", "")
    m = _CHOICE_NUMBER_RE.fullmatch(text)
    if m:
        return int(m.group(1))
    m = _KANJI_CHOICE_RE.fullmatch(text)
    return int(_KANJI_DIGITS[m.group(1)]) if m else None


# Sentences end at 。！？!? or a new line, at an English full stop before a space ("Thank you.
# Now my wife…"), and before ところで・さて (the question after a thank-you).
_SENTENCE_RE = re.compile(SENTENCE_END + r"|(?:ところで|さて|それで|実は)[、,]?")
WARM_UP_TEXTS = 6  # examples read at start-up (``Understanding.warm_up``): about 7 ms
# Parses kept for the texts seen last (focus parses each sentence, then the question). Few: a
# kept parse is hundreds of objects the garbage collector walks at every full collection; 256
# held 9,000 of them after a pass over the conversation set, 64 hold 3,000, for the same CPU time.
PARSES_KEPT = 64
COURTESY = ("greeting", "thanks", "bye")  # intents of a sentence that only greets or thanks
COURTESY_SCORE = 72.0


def _mask(text: str, mentions: Sequence[Mention]) -> str:
    for m in sorted(mentions, key=lambda m: -m.start):
        text = text[: m.start] + " " + text[m.end :]
    return re.sub(r" +", " ", text).strip()


def _known_english_concepts(knowledge: Knowledge) -> set[str]:
    """The concepts whose English words are known words: those of procedures and life events,
    aspects ("until when") and who asks or for whom ("grandma", "my wife"), which never put a
    message out of scope."""
    concepts = {c for p in knowledge.procedures.procedures for c in p.concepts}
    concepts |= {c for e in knowledge.life_events.events for w in e.when for c in w}
    # A narrower concept of one of them too ("collapsed" is a breaking, a damage).
    concepts |= {c.id for c in knowledge.concepts.concepts if set(c.broader) & concepts}
    return concepts | {c.id for c in knowledge.concepts.concepts if c.aspect or c.neutral}


def scoring_texts(knowledge: Knowledge) -> list[tuple[str, str]]:
    """Every (intent, example) the scorer knows: intents, FAQ, procedures."""
    examples: list[tuple[str, str]] = []
    for intent in knowledge.intents.intents:
        examples += [(intent.id, ex) for ex in intent.examples]
    for faq in knowledge.programme.faq:
        examples += [(f"faq:{faq.id}", ex) for ex in faq.examples]
    for group in knowledge.procedures.groups:
        examples += [(f"group:{group.id}", group.label.ja), (f"group:{group.id}", group.label.get("en"))]
    for proc in knowledge.procedures.procedures:
        phrases = [proc.name, proc.short.ja, proc.short.get("en"), proc.name_en, *proc.aliases]
        examples += [(f"proc:{proc.id}", ex) for ex in phrases]
    return examples


# A word made only of romaji syllables (kaigo, nintei, okaasan, mainanbaa), Hepburn or Kunrei.
_ROMAJI_WORD_RE = re.compile(
    r"(?:[aiueo]|n(?![aiueoy])|(?:[kgszjtdnhbpmyrwf]|ky|gy|sh|ch|ts|ny|hy|by|py|my|ry|j)[aiueo]"
    r"|([kgsztdhbpmrcfj])(?=\1))+"
)
WHOLE_PREFECTURE = "whole_prefecture"  # the concept of 県内, 県下 (knowledge/concepts.yaml)
ROMAJI_IN_ENGLISH_NEED = 80.0  # the romaji words of an English message match an example this well

# Romaji particles (knowledge/particles.yaml) are English words too: 「chofu no docomo」 is romaji
# Japanese, and its district name counts as a place without the English place words (see gazetteer).


SHORT_NEAR = 4  # a near match of an example this short (kana) needs a word that reads almost like it
NEAR_WORD = 75.0  # ... this close (rapidfuzz ratio: one kana in four)


def _near_word(example: str, readings: list[str]) -> bool:
    """A reading of the message's words close to ``example``: shorter than four kana, the same
    (one kana in three is another word: なんじ is no なんぼ); from four on, one kana more or less
    and at least ``NEAR_WORD`` alike (よやぅ)."""
    if len(example) < SHORT_NEAR:
        return example in readings
    return any(abs(len(r) - len(example)) <= 1 and fuzz.ratio(r, example) >= NEAR_WORD for r in readings)


def _glued(words, i: int) -> bool:
    """Word ``i`` would make one compound with its neighbour: a noun, a prefix or a suffix."""
    return 0 <= i < len(words) and words[i].pos in ("名詞", "接頭辞", "接尾辞")


def vocabulary(knowledge: Knowledge) -> list[str]:
    """Every text whose kanji the reading lexicon must know."""
    dates = knowledge.dates.japanese_words()  # date words are no unknown words
    texts = [ex for _, ex in scoring_texts(knowledge)] + dates + knowledge.intents.common_words
    for lvl in knowledge.programme.levels:
        texts += [lvl.name, *lvl.keywords]
    for topic in knowledge.programme.topics:
        texts += topic.keywords
    return texts


def _courtesy(p: Parse) -> bool:
    """A sentence that only greets, thanks or takes leave."""
    best = p.best
    return (
        best is not None
        and best.intent in COURTESY
        and best.score >= COURTESY_SCORE
        and not p.sense.found.topics
        and not p.has_entities
        and not p.when
    )


def _tells(p: Parse) -> bool:
    """A sentence that names something the bot knows: a topic, a place, a date, a level, an answer."""
    topics = {c for c in p.sense.found.topics if c not in ("family", "grandchild")}
    accepted = p.best is not None and p.best.score >= COURTESY_SCORE and p.best.intent not in COURTESY
    return bool(topics or p.has_entities or p.when or p.level or p.topic or p.sense.aspects or accepted)


ANALYSES_FORMAT = 1
_HERE = Path(__file__).resolve().parent  # the code of understanding (and ../data, of the knowledge)


def _cache_files(knowledge: Knowledge) -> tuple[Path | None, Path | None]:
    """Where the analyses of this knowledge's texts are kept, keyed by the knowledge files and the
    dictionary; and where what its understanding is built of (the gazetteer, the answers' terms, the
    examples' scoring forms, the vocabulary) is kept, keyed by those, the reading lexicon and the
    code of understanding. An edit, an upgrade or a change of that code makes them anew."""
    files = [path.name.encode() + b"\0" + path.read_bytes() for path in sorted(knowledge.directory.glob("*.yaml"))]
    version = f"{ANALYSES_FORMAT}|{dictionary_version()}".encode()
    lexicon_file = knowledge.directory / LEXICON_FILE
    lexicon = lexicon_file.read_bytes() if lexicon_file.exists() else b""
    code = disk_cache.sources(_HERE, _HERE.parent / "data")
    analyses = disk_cache.cache_file("analyses", [version, *files])
    return analyses, disk_cache.cache_file("understanding", [version, lexicon, *code, *files])


def _english_words(knowledge: Knowledge) -> set[str]:
    """The English words of the knowledge: stop words, date words, the examples' and topics' words."""
    words = set(knowledge.intents.stopwords_en) | knowledge.dates.english_words()
    for _, example in scoring_texts(knowledge):
        if example.isascii():
            words.update(ascii_words(example))
    for topic in knowledge.programme.topics:
        for kw in topic.keywords:
            words.update(ascii_words(kw))
    return words


def _place_names(knowledge: Knowledge) -> list[str]:
    names = [m.name for m in knowledge.municipalities.municipalities]
    names += [d.name for m in knowledge.municipalities.municipalities for d in m.districts]
    return names + ["駅", "近く", "辺り", "周り", "住まい", "住む"]


class Understanding:
    """Gazetteer + intent scorer for one knowledge bundle."""

    def __init__(self, knowledge: Knowledge, lexicon: ReadingLexicon | None = None):
        analyser = shared_analyser()
        analyses, built_file = _cache_files(knowledge)
        built_file = built_file if lexicon is None else None  # built with another lexicon: not kept
        if analyses is not None and not analyser.recall(analyses):
            # No analyses kept: everything is built anew (and kept), so the analyses are kept too.
            analyser.start_remembering()
            self._build(knowledge, lexicon, analyser, built_file, read_back=False)
            analyser.remember(analyses)
        else:
            self._build(knowledge, lexicon, analyser, built_file, read_back=True)

    def _build(
        self, knowledge: Knowledge, lexicon: ReadingLexicon | None, analyser, built_file: Path | None, read_back: bool
    ) -> None:
        """``built_file``: where what is built is kept; ``read_back``: taken from there when it is."""
        self.knowledge = knowledge
        self.lexicon = lexicon or ReadingLexicon.load(knowledge.directory / LEXICON_FILE)
        self.reading = self.lexicon.reading
        self.stopwords_en = set(knowledge.intents.stopwords_en)
        built = disk_cache.read(built_file) if read_back else None
        built = built if isinstance(built, tuple) and len(built) == 4 else None
        gazetteer_state, meaning_state, examples, known_vocabulary = built or (None, None, None, None)
        self.gazetteer = Gazetteer.from_state(gazetteer_state) if built else self._build_gazetteer(knowledge)
        self._levels = [(lvl.name, self._keywords([lvl.name, *lvl.keywords])) for lvl in knowledge.programme.levels]
        self._topics = [(topic.id, self._keywords(topic.keywords)) for topic in knowledge.programme.topics]
        self.english_words = _english_words(knowledge)
        self.romaji_particles = set(knowledge.particles.romaji)
        self.romaji_only = knowledge.particles.romaji_only()
        self.meaning = Meaning(knowledge, analyser, kept=meaning_state)
        self._parse_cached = lru_cache(maxsize=PARSES_KEPT)(self._parse)
        # A long message's sentences are read for ``focus`` and the one it keeps read again
        # for its parse: the forms and the sense of a text are kept as its parse is.
        self._forms = lru_cache(maxsize=PARSES_KEPT)(self._forms_of)
        self._sense = lru_cache(maxsize=PARSES_KEPT)(self._sense_of)
        # Words other parts of understanding read (dates, levels, topics, places, everyday words):
        # never unknown, whatever the answers' texts say.
        self._procedure_concepts = _known_english_concepts(knowledge)
        if built:
            self._vocabulary = set(known_vocabulary)
        else:
            examples = self._build_examples(knowledge)
            state = (self.gazetteer.state(), self.meaning.state(), examples, sorted(self._vocabulary))
            disk_cache.write(built_file, state)
        self._original = {(intent, form): ex for intent, ex, form in reversed(examples)}
        self.scorer = IntentScorer([(intent, form) for intent, _, form in examples], weights={"group": 0.92})

    def warm_up(self, today: date, texts: int = WARM_UP_TEXTS) -> None:
        """Read a few of the knowledge's own examples, spread over its intents, and forget the
        parses: what a process does once, at its first parse (regular expressions compiled,
        the interpreter's first runs of each path), is done before the first resident waits:
        without it the first message of a process took 8.5 ms here and the next 1.5 ms; with it
        the first took 4.3 ms."""
        examples = list(dict.fromkeys(self._original.values()))
        for text in examples[:: max(1, len(examples) // texts)][:texts]:
            self.parse(text, today)
        for kept in (self._parse_cached, self._forms, self._sense):
            kept.cache_clear()

    def _build_examples(self, knowledge: Knowledge) -> list[tuple[str, str, str]]:
        """The vocabulary's lemmas (into ``_vocabulary``), and each example's scoring form."""
        analysed = self.meaning.analyser.words
        texts = vocabulary(knowledge) + _place_names(knowledge)
        self._vocabulary = {w.lemma for text in texts for w in analysed(text)}
        return [(intent, ex, self._scoring_form(ex)) for intent, ex in scoring_texts(knowledge)]

    def _keywords(self, keywords: list[str]) -> list[Keyword]:
        return [keyword(k, self.reading) for k in keywords]

    @staticmethod
    def _build_gazetteer(knowledge: Knowledge) -> Gazetteer:
        gaz = Gazetteer()
        pref = knowledge.municipalities.prefecture
        for alias in (pref.name, pref.kana, pref.romaji, pref.name_en.lower()):
            gaz.add("city", PREFECTURE, alias, boundary=False)
        for m in knowledge.municipalities.municipalities:
            for alias in (m.name, m.kana, m.short, m.short_kana, m.name_en.lower()):
                gaz.add("city", m.name, alias)
            for word in (m.romaji, *m.romaji_aliases):
                gaz.add_romaji("city", m.name, word)
            for d in m.districts:
                gaz.add("city", m.name, d.name)
                if len(d.kana) >= 3:
                    gaz.add("city", m.name, d.kana)
                gaz.add_romaji("city", m.name, d.romaji, minor=True)
        for place in knowledge.elsewhere.places:
            gaz.add("city", ELSEWHERE + ":" + place.name, place.name)
            if len(place.kana) >= 4:
                gaz.add("city", ELSEWHERE + ":" + place.name, place.kana)
            if len(place.romaji) >= 4:
                gaz.add_romaji("city", ELSEWHERE + ":" + place.name, place.romaji)
        for carrier in knowledge.carriers.carriers:
            for alias in carrier.words:
                gaz.add("carrier", carrier.id, alias)
                gaz.add_fuzzy_carrier(carrier.id, alias)
        for brand in knowledge.intents.other_brands:
            gaz.add("brand", brand, brand)
        return gaz

    def _forms_of(self, text: str) -> tuple[str, str, tuple[Mention, ...], str]:
        """Folded text, the same keeping katakana, the names in it, and the scoring form:
        names masked, spaces squeezed, kana reading (romaji read as kana); English stays English."""
        cleaned = clean(text)[:MAX_UNDERSTOOD_CHARS]
        folded = fold(cleaned)
        kept = fold(cleaned, keep_katakana=True)
        english = folded.isascii() and any(
            w in self.stopwords_en and w not in self.romaji_particles for w in ascii_words(folded)
        )
        mentions = tuple(self.gazetteer.find(kept, english))
        return folded, kept, mentions, self._reading_of(_mask(folded, mentions))

    def _scoring_form(self, text: str) -> str:
        return self._forms(text)[3]

    def _reading_of(self, masked: str) -> str:
        if not masked:
            return ""
        if masked.isascii() and not self._is_english(masked):
            # Romaji: read each word as kana, except words the knowledge uses as they are (etax).
            keep = self.english_words - self.romaji_only
            words = [w if w in keep else romaji_to_kana(w) for w in masked.split(" ")]
            return squeeze(fold(" ".join(words)))
        return self.reading(squeeze(masked))

    def _is_english(self, ascii_text: str) -> bool:
        """An ASCII text is English when it has an English word that is not also a romaji
        particle: 「shunan no sumaho kyoushitsu」 is romaji Japanese (its ``no`` is の, its
        ``to`` と); "no class on Sunday?" has ``class``. ``i`` and ``a`` stay English
        ("I'm pregnant"): romaji hardly writes い or あ as a word of its own."""
        return any(w in self.stopwords_en and w not in self.romaji_only for w in ascii_words(ascii_text))

    def detect_lang(self, cleaned: str) -> str | None:
        if has_japanese(cleaned):
            return "ja"
        if self._is_english(cleaned):
            return "en"
        return None

    def parse(self, text: str, today: date) -> Parse:
        """What the bot understood of ``text`` on ``today``. Parses are kept for the last texts
        (a long message's sentences are parsed for ``focus`` and its question again): the caller
        gets its own copy to fill in."""
        return copy.copy(self._parse_cached(dialect.standard(text, self.knowledge.particles.dialect_endings), today))

    def _parse(self, text: str, today: date) -> Parse:
        cleaned = clean(text)[:MAX_UNDERSTOOD_CHARS]
        folded, kept, mentions, scoring = self._forms(cleaned)
        masked = _mask(folded, mentions)
        if not folded.isascii():
            full_reading = self.reading(squeeze(folded))
        else:  # romaji is read as kana; English stays English
            full_reading = folded if self._is_english(folded) else fold(romaji_to_kana(folded))
        result = Parse(text=cleaned, lang=self.detect_lang(cleaned), folded=folded, reading=full_reading)
        for m in mentions:
            if m.kind == "carrier":
                result.carrier = result.carrier or m.value
            elif m.kind == "brand":
                result.other_brand = result.other_brand or m.value
            elif m.value == PREFECTURE:
                result.prefecture_wide = True
            elif m.value.startswith(ELSEWHERE):
                result.elsewhere = result.elsewhere or m.value.split(":", 1)[1]
            elif m.value not in result.cities:
                result.cities.append(m.value)
        folded, kana = aligned(folded, kept)
        result.number = _choice_number(folded)
        result.when = self._when(cleaned, full_reading, today)
        result.level = self._first_hit(self._levels, folded, kana, full_reading)
        result.topic = self._first_hit(self._topics, folded, kana, full_reading)
        result.scoring = scoring
        result.sense = self._sense(cleaned)
        if WHOLE_PREFECTURE in result.sense.found.direct and not result.cities and not result.elsewhere:
            result.prefecture_wide = True  # 「県内で全部教えて」: the home prefecture, unnamed
        result.intents = self._agreeing(self._scored(scoring, folded, mentions, result.sense), result.sense, masked)
        result.unknown = self._unknown_words(scoring, masked, result.lang, result.sense)
        if languages.is_latin(result.lang):
            self._romaji_in_english(result, masked)
        return result

    def focus(self, text: str, today: date) -> str:
        """The part of a long message that asks something. Sentences that only greet, thank or
        apologise (「先日はありがとうございました。ところで…」) are left out, and so are those that
        say nothing the bot knows (「いつも楽しく拝見しております」) when another sentence names
        a topic, a place, a date or an answer. One sentence, or nothing to keep: the text as it is."""
        text = dialect.standard(text, self.knowledge.particles.dialect_endings)
        sentences = [s.strip() for s in _SENTENCE_RE.split(text) if s and s.strip()]
        if len(sentences) < 2:
            return text
        sentences = [self._introduction_place(s) or s for s in sentences]
        glanced = [(s, self._glance(s, today)) for s in sentences]
        kept = [s for s, (courtesy, _) in glanced if not courtesy]
        telling = [s for s, (courtesy, tells) in glanced if not courtesy and tells]
        kept = telling or kept
        return " ".join(kept) if kept and len(kept) < len(sentences) else text

    def _introduction_place(self, sentence: str) -> str | None:
        """The place names of a sentence in which the writer says who they are and where they
        live, and nothing else (「山口市に住む会社員です」, 「周南市在住の七十八歳の者でございます」):
        their occupation or age says who asks, not what. None: no such sentence."""
        cleaned = clean(sentence)[:MAX_UNDERSTOOD_CHARS]
        _, kept, mentions, _ = self._forms(cleaned)
        found = self._sense(cleaned).found
        places = [kept[m.start : m.end] for m in mentions if m.kind == "city"]
        if not places or len(places) < len(mentions) or "residence" not in found.direct or found.aspects:
            return None
        if found.topics - self.meaning.index.neutral - {"age"}:
            return None
        return " ".join(places)

    def _glance(self, sentence: str, today: date) -> tuple[bool, bool]:
        """(only courtesy, names something the bot knows) of one sentence. The words, names and
        dates decide most sentences; only one that names none of them is scored whole (the
        scoring is what tells 「ありがとうございました」 from 「人と話したい」)."""
        cleaned = clean(sentence)[:MAX_UNDERSTOOD_CHARS]
        folded, _, mentions, _ = self._forms(cleaned)
        sense = self._sense(cleaned)
        topics = {c for c in sense.found.topics if c not in ("family", "grandchild")}
        if topics or mentions or sense.aspects or self._when(cleaned, self.reading(squeeze(folded)), today):
            return False, True
        p = self.parse(sentence, today)
        return _courtesy(p), _tells(p)

    def _when(self, cleaned: str, reading: str, today: date) -> DateFilter | None:
        """The dates of a message, without the words that hold a date word and name no time
        (``not_dates``: 「夜分に失礼いたします」 is no evening): read again without them."""
        dates = self.knowledge.dates
        if any(w in cleaned for w in dates.not_dates):
            for word in dates.not_dates:
                cleaned = cleaned.replace(word, " ")
            reading = self.reading(squeeze(fold(cleaned)))
        return parse_when(cleaned, reading, today, words=dates)

    def _sense_of(self, cleaned: str) -> Sense:
        """The meaning of the text without its names: masked in the text itself, or, where the
        folded form cannot be aligned with it, dropped word by word."""
        _, kept, mentions, _ = self._forms(cleaned)
        names = [(m.start, m.end) for m in mentions]
        masked = mask_names(cleaned, kept, names)
        drop = tuple(kept[a:b] for a, b in names) if names and masked == cleaned else ()
        return self.meaning.sense(masked, drop)

    def _scored(self, scoring: str, folded: str, mentions, sense: Sense) -> list[Scored]:
        """The character matches of the scoring form. English of names and fillers alone ("And
        in Hofu?") matches no example near (「…and room costs in…」): it continues the talk."""
        scored = self.scorer.score(scoring)
        if mentions and not sense.terms and folded.isascii():
            return [s for s in scored if s.score >= 100]
        return scored

    def _agreeing(self, scored: list[Scored], sense: Sense, masked: str) -> list[Scored]:
        """The character matches that the words allow (``Meaning.agrees``): an exact match
        always stands; a near one only when the message has a word the knowledge does not
        know as it is, or shares a word or concept with the example, and, for a short example,
        when a word of the message reads almost like it (``_near_word``): 「下関なんじゃけど」 is
        no typo of なんぼ or なんど."""
        readings: list[str] | None = None
        kept = []
        for s in scored:
            if s.score < 100:
                original = self._original.get((s.intent, s.example), s.example)
                if not self.meaning.agrees(sense, original):
                    continue
                if len(s.example) <= SHORT_NEAR and not s.example.isascii() and not masked.isascii():
                    readings = readings if readings is not None else self._word_readings(masked)
                    # Both read by the analyser: the scoring lexicon reads some words otherwise.
                    if not _near_word("".join(self._word_readings(original, pairs=False)), readings):
                        continue
            kept.append(s)
        return kept

    def _word_readings(self, text: str, pairs: bool = True) -> list[str]:
        """The kana readings of the words of ``text``, and of each two words in a row (お + 金; a
        typo may split a word in two: よやぅ)."""
        kana = [fold(w.kana) for w in self.meaning.analyser.words(text)]
        return kana + [a + b for a, b in zip(kana, kana[1:])] if pairs else kana

    def _romaji_in_english(self, result: Parse, masked: str) -> None:
        """Foreign residents write the Japanese names of what they ask for inside English
        ("my okaasan need kaigo nintei, how to do?"): the words English does not know, when
        they are well-formed romaji, are read as kana and scored on their own. A confident
        match there (``ROMAJI_IN_ENGLISH_NEED``) is what the message asks, and those words
        are no longer unknown; otherwise the English reading stands."""
        words = [
            w
            for w in ascii_words(masked)
            if len(w) > 3
            and w not in self.english_words
            and w.rstrip("s") not in self.english_words
            and _ROMAJI_WORD_RE.fullmatch(w)
        ]
        if not words:
            return
        kana = squeeze(fold(romaji_to_kana(" ".join(words))))
        if len(kana) < 4:
            return
        scored = self.scorer.score(kana)
        if not scored or scored[0].score < ROMAJI_IN_ENGLISH_NEED:
            self._romaji_concepts(result, kana, words)
            return
        result.scoring = kana
        result.intents = scored
        result.unknown = [w for w in result.unknown if w not in words]

    def _romaji_concepts(self, result: Parse, kana: str, words: list[str]) -> None:
        """Romaji words inside English that are all words of concepts ("ube no docomo shop no
        denwa bangou": 電話番号, where to ask; "kaigo nintei": care, certification) are known
        words, and their concepts are the message's."""
        found = self.meaning.index.find(self.meaning.analyser.words(kana))
        if not found.direct or found.unclaimed:
            return
        mine = result.sense.found
        mine.direct |= found.direct
        mine.concepts |= found.concepts
        mine.implied |= found.implied
        mine.aspects |= found.aspects
        mine.unclaimed = [w for w in mine.unclaimed if w not in words]
        terms = result.sense.terms
        for w in words:
            terms.pop(w, None)
        terms.update({"@" + c: 1 for c in found.concepts if "@" + c not in terms})
        result.unknown = [w for w in result.unknown if w not in words]

    def _unknown_words(self, scoring: str, masked: str, lang: str | None, sense: Sense) -> list[str]:
        """Words the bot has no knowledge of: in Japanese, the content words (by morphology) that
        no concept claims and no answer's text uses (天気, ゴミ, 年金); in English, words no
        example uses."""
        if not languages.is_latin(lang) and not masked.isascii():
            known = self.meaning.retriever.knows
            mentioned = self.meaning.mentioned
            return [
                w for w in sense.found.own_words if not known(w) and w not in self._vocabulary and w not in mentioned
            ]
        unknown = kanji_runs(scoring)
        if languages.is_latin(lang):
            # A word a procedure's or an aspect's concept claims ("baby", "flood", "until") is known;
            # a product ("iPhone") is not.
            claimed = {w for w, c in sense.found.english.items() if c in self._procedure_concepts}
            # Three letters count too ("eat", "bus", "car"), unless an ignored word ("got", "way").
            ignored = self.meaning.index.ignored_en
            words = [
                w
                for w in ascii_words(masked)
                if (len(w) > 3 or (len(w) == 3 and w not in ignored))
                and w.rstrip("s") not in self.english_words
                and w not in self.english_words
                and stem(w) not in claimed
            ]
            unknown += words
        return unknown

    def stands_alone(self, p: Parse, s: Scored) -> bool:
        """Whether the example ``s`` matched is a word or phrase of its own in the message: its
        words (by lemma) found in a row there, with no noun glued on either side.
        「無料って書いてある」 says 無料; 「スマホの料金プラン」 says 料金プラン, a plan, not a fee."""
        example = self._original.get((s.intent, s.example), s.example)
        wanted = [w.lemma for w in self.meaning.analyser.words(example)]
        words = self.meaning.analyser.words(p.text)
        n = len(wanted)
        for i in range(len(words) - n + 1) if n else ():
            if [w.lemma for w in words[i : i + n]] == wanted:
                return not (_glued(words, i - 1) or _glued(words, i + n))
        return False

    def beyond_filters(self, p: Parse) -> list[str]:
        """The content words of ``p`` that no date, level, place or concept accounts for: what a
        message says beyond the filters of a class search. 「来週のは？」 says nothing more;
        「今月の携帯代が高すぎる」 says 高い, "Which hospital is open on Sunday in Ube?" says open,
        「kyou no tenki wa?」 says tenki."""
        ignored = self.meaning.index.ignored
        out = []
        for word in p.sense.found.unclaimed:
            if word.isascii():
                if word in self.english_words or word.rstrip("s") in self.english_words:
                    continue
                lemmas = [w.lemma for w in self.meaning.analyser.words(romaji_to_kana(word)) if w.content]
            else:
                lemmas = [word]
            if any(lm not in self._vocabulary and lm not in ignored for lm in lemmas):
                out.append(word)
        return out

    @staticmethod
    def _first_hit(table: list[tuple[str, list[Keyword]]], folded: str, kana: str, read: str) -> str | None:
        """The first level or topic with a keyword in the message: in its folded form
        (``kana``, the same text keeping katakana, tells where the writer's katakana words
        begin and end) or, three kana or more, in the message's reading."""
        chars, read_chars = set(folded), set(read)
        for key, keywords in table:
            for kw in keywords:
                # The first character tells most keywords absent without looking further.
                if kw.folded and kw.folded[0] in chars and in_text(kw, folded, kana):
                    return key
                if len(kw.reading) >= 3 and kw.reading[0] in read_chars and occurs(kw, kw.reading, read, read):
                    return key
        return None
