"""Which answer the meaning of a message points to: life events, aspects, retrieval.

Lives here: the rules on a ``Parse``'s ``Sense`` (its concepts, aspects, life events and
retrieved answers) and the conversation state, and their thresholds, which were chosen on
the tuning part of the conversation set (``benchmarks/calibrate_understanding.py`` prints
accuracy there for each choice): ``asked_aspect`` (「何がいる？」「いつまで？」 after a
procedure's answer asks that of it), ``life_event`` (what happened leads to procedures),
``event_choice`` (the one procedure of an event the message singles out) and ``retrieved``
(answers whose documents hold the message's words). Pure functions: the engine decides with
them and runs the skills.
"""

from __future__ import annotations

from bot import languages
from bot.data.concept_schema import ASPECTS, LifeEvent
from bot.dialogue.routing import ACCEPT, named
from bot.understanding.intents import Scored
from bot.understanding.parser import Parse

COVER_ACCEPT = 0.75  # retrieval answers when its best document holds this much of the message
COVER_LEAD = 0.25  # ... and leads the next one by this share of its score (else: ask which)
EVENT_PICK_LEAD = 1.3  # an event's procedure this many times the next one's score is the one meant
CONFIDENT = 90.0  # a character match this good is not second-guessed by a life event
BROAD = ("group:", "procedures_")  # answers that list a whole group of procedures
# Concepts every procedure question shares: they single out nothing.
GENERIC = {"procedure", "remote", "smartphone"}
ASPECT_FAQ = {"cost": "faq:free", "prepare": "faq:bring", "who": "faq:anyone", "what": "faq:about"}


def not_the_menu(p: Parse, s: Scored, neutral: set[str]) -> bool:
    """A near match of the menu (the bot's own help: 「使い方」「何ができる」) in a message about
    something — a smartphone, a procedure, a class —: 「スマートフォンを贈られましたが、使い方が
    さっぱりわかりません」 asks how to use the phone, not the bot. Only the menu's exact words
    (``ACCEPT`` is far below them) stand beside a topic."""
    return s.intent == "menu" and s.score < 100 and bool(p.sense.found.topics - neutral)


def asked_aspect(p: Parse, about: set[str]) -> str | None:
    """Right after a procedure's answer (whose concepts are ``about``), a message that asks an
    aspect (what to prepare, how much, where, until when, who, online, how) and names no other
    topic, carrier or date asks it of that procedure. A place alone (「うちは萩です」) says where
    the resident lives: where to ask."""
    if p.carrier or p.prefecture_wide or p.when or p.unknown:
        return None
    # A concept only implied (the child of 「生まれてから何日以内？」's birth) is no topic of its own.
    if p.sense.found.topics - p.sense.found.implied - GENERIC - about - {"family"}:
        return None
    # An age said right after a procedure (「父は62歳なんじゃけど、申請できる？」) asks who may.
    aspects = p.sense.aspects | ({"who"} if "age" in p.sense.found.direct else set())
    if aspects:
        return None if p.cities else _main_aspect(aspects)
    if p.cities and not (p.best and p.best.score >= ACCEPT):
        return "where"
    return None


ASPECT_ORDER = ("deadline", "cost", "who", "where", "online", "prepare", "how", "what")


def _main_aspect(aspects: set[str]) -> str:
    if {"how", "cost"} <= aspects:
        aspects = aspects - {"cost"}  # "How do I pay?", 「どうやって払う」: how it is paid
    return next(a for a in ASPECT_ORDER if a in aspects)


def life_event(p: Parse, top: Scored | None) -> LifeEvent | None:
    """What happened to the resident, when the characters of the message found no confident
    answer of their own: 「孫が生まれた」, 「台風で屋根が飛んだ」, "my wife is expecting". An FAQ
    match does not stand in the way (the FAQ is about the classes: 「保育園の申込み」 is no class
    booking). An event that rests on words that need context alone (壊れる, ``Sense.shaky``) is
    not the one meant when the message has words the bot does not know: they are what it is
    about (「テレビのリモコンが壊れた」); nor one said by a word glued before a noun no concept
    claims (``Sense.modified``: 「介護タクシーを呼びたい」) when no answer matched the characters."""
    if not p.sense.events or "lesson" in p.sense.found.direct:
        return None  # 「オンライン診療の講座」 asks for a class on it, not the procedure
    if top is not None and not top.intent.startswith("faq:"):
        if top.score >= CONFIDENT or (top.score >= ACCEPT and top.intent.startswith(BROAD)):
            return None  # a procedure group named as such lists all its procedures
    # An event said only by a word glued before a noun no concept claims is about that noun
    # (介護タクシー is a taxi, 地震保険 insurance), unless an answer matched the message's
    # characters (要介護人定, a typo).
    events = [e for e in p.sense.events if not (p.unknown and e.id in p.sense.shaky)]
    if top is None:
        events = [e for e in events if e.id not in p.sense.modified]
    return events[0] if events else None


def names_procedure(p: Parse, top: Scored | None, event: LifeEvent, declared: dict[str, set[str]]) -> bool:
    """The characters matched a procedure (``ACCEPT``) that ``event`` does not lead to, and the
    message says every concept that procedure declares, in its own words: that procedure is
    asked, whatever the message tells of what happened (「おやじが…風呂に入れんようになった。介護の
    認定を受けさせたい」 asks the care certification, not the bath equipment its first sentence
    implies)."""
    if top is None or top.score < ACCEPT or not top.intent.startswith("proc:") or top.intent[5:] in event.procedures:
        return False
    concepts = declared.get(top.intent, set())
    return bool(concepts) and concepts <= p.sense.found.direct


NOT_SINGLING_OUT = GENERIC | {"grandchild", "family", "child", "allowance"}  # said of many procedures


def declared_match(p: Parse, declared: dict[str, set[str]]) -> list[str]:
    """The procedures whose declared concepts hold every concept the message names (beyond
    those many procedures share), and the most of them: 「給食費を児童手当から引いてもらう」 names
    the school fee and the child allowance, which the collection and its change declare. At
    most four."""
    every = set().union(*declared.values()) if declared else set()
    # A concept broader than another one said is no more than that one (「介護保険の負担割合証」).
    wanted = (p.sense.found.direct & every) - NOT_SINGLING_OUT - ASPECT_CONCEPTS - p.sense.found.implied
    if len(wanted) < 2:
        return []
    have = p.sense.found.concepts
    # The most concepts in common, then the fewest the message does not name: 「要介護認定の申請」
    # is the certification itself, not its renewal or its change.
    fits = {
        proc: (len(concepts & have), -len(concepts - have)) for proc, concepts in declared.items() if wanted <= concepts
    }
    if not fits:
        return []
    best = max(fits.values())
    return [proc for proc, n in fits.items() if n == best][:4] if best[0] >= 2 else []


ASPECT_CONCEPTS = {f"aspect_{a}" for a in ASPECTS}


def event_choice(p: Parse, event: LifeEvent) -> str | None:
    """The one procedure of ``event`` that the message singles out: it names it whole
    (``routing.named``: 「引っ越しの転出届って…」), or retrieval ranks it well ahead of the event's
    other procedures (「孫が生まれたので児童手当の申請を」). None: ask."""
    if len(event.procedures) == 1:
        return f"proc:{event.procedures[0]}"
    named_here = [s.intent for s in p.intents if s.intent[5:] in event.procedures and named(p, s)]
    if len(named_here) == 1:
        return named_here[0]  # 「引っ越しの転出届って…」 names the moving-out notification whole
    mine = [r for r in p.sense.retrieved if r.intent[5:] in event.procedures]
    if mine and (len(mine) == 1 or mine[0].score >= EVENT_PICK_LEAD * mine[1].score) and mine[0].coverage >= 1.0:
        return mine[0].intent if _names_more_than_event(p, event) else None
    return None


def _names_more_than_event(p: Parse, event: LifeEvent) -> bool:
    """The message says more than the event itself (a word beyond the event's concepts)."""
    event_concepts = {c for w in event.when for c in w}
    return bool(p.sense.found.direct - event_concepts - GENERIC - {"grandchild", "family", "child"})


def retrieved(p: Parse, firm: set[str] | None = None) -> list[str]:
    """Answers retrieval finds for a message that character matching left unanswered: the best
    document when it holds ``COVER_ACCEPT`` of the message and leads; several close ones (up
    to four) to ask which; none. ``firm``: the message's concepts without those only words that
    need context gave (壊れる, 修理 of 「スマホの修理はどこでできる？」: no house was damaged),
    of which one beyond the generic ones must be a topic."""
    found = [r for r in p.sense.retrieved if r.coverage >= COVER_ACCEPT]
    topics = p.sense.found.topics if firm is None else p.sense.found.topics & firm
    if not found or not topics - GENERIC:
        return []
    best = found[0]
    close = [r for r in found[1:] if r.score > best.score * (1 - COVER_LEAD)]
    return [best.intent] + [r.intent for r in close[:3]]


# What a message about the classes may mention besides a worry or a request.
CLASS_WORDS = {"lesson", "smartphone", "shop", "family", "aspect_online"}
# What a request about one's own data says.
REQUEST_WORDS = {"notify", "stop", "delete", "personal_data", "which_news"}
WHO = {"age", "child", "grandchild"}  # who would come to a class, beside a worry


def requested(p: Parse) -> str | None:
    """A request in plain words about the resident's own data: 「宇部の教室の案内が来るようにして」
    subscribes, 「もう連絡はいらん」 unsubscribes, 「何のお知らせを登録しちょる？」 lists them (to stop
    any), 「登録したものを全部消して」 deletes everything."""
    # As the words said them, with what a phrase of both implies (送らんでいい: notify and stop).
    direct = p.sense.found.direct | (p.sense.found.implied & REQUEST_WORDS)
    if p.sense.found.topics - CLASS_WORDS - REQUEST_WORDS - {"stop_sending"} - GENERIC:
        return None
    if "delete" in direct and direct & {"personal_data", "notify"}:
        return "forget"
    if "notify" in direct:
        if direct & {"stop", "delete"}:
            return "unsubscribe"
        return "subscriptions" if "which_news" in direct else "subscribe"  # 何のお知らせを登録しちょる？
    return None


def learning(p: Parse) -> bool:
    """The message asks for a class (the lesson concept said, not only implied): a suspicious
    mail it names is the topic of the class (「詐欺メールの見分け方を教えてくれる教室」)."""
    return "lesson" in p.sense.found.direct


def stops_it(p: Parse) -> bool:
    """Stopping, and nothing else named (「やっぱりやめとくわ」): right after a subscription, that one."""
    found = p.sense.found
    return "stop" in found.direct and not found.topics - {"stop", "family"} - GENERIC


def worry(
    p: Parse,
    faq_concepts: dict[str, set[str]],
    contextual: set[str] = frozenset(),
    talking_classes: bool = False,
    neutral: set[str] = frozenset(),
) -> str | None:
    """A worry about the classes (age, foreigners, being sold something, coming again) is the
    FAQ entry that declares it, answered before any "which city?"; a cost, what to bring or who
    may come asked of the classes is the FAQ on it. A ``contextual`` concept (予約: a hospital
    has bookings too) is the classes' only when they are named or talked about. A ``neutral``
    concept (耳が遠い, 母) says who worries, not what about."""
    if p.unknown and not languages.is_latin(p.lang):
        return None  # 「ワクチンの副作用が心配」: a worry, but not about the classes
    topics = p.sense.found.topics - GENERIC
    said = p.sense.found.direct - ASPECT_CONCEPTS - GENERIC - neutral  # as the words said them, without broader ones
    if p.cities or p.when or ("lesson" in topics and p.level):
        return None  # 「防府で年寄りでもわかる教室は？」「初心者のは来週ある？」 look for a class
    classes_named = talking_classes or bool(topics & {"lesson", "smartphone", "shop"})
    for faq, concepts in faq_concepts.items():
        # A neutral concept an entry declares (耳が遠い: who asks) is its worry beside the classes named.
        hit = concepts & (said | (p.sense.found.direct & neutral if classes_named else set()))
        # Who comes (age, a child: 「娘と一緒に」 "my daughter") may stand beside a worry.
        if hit and not said - CLASS_WORDS - concepts - WHO and (classes_named or not hit <= contextual):
            return faq
    told = topics - neutral  # who asks (わし, 母) names no class
    if p.sense.aspects and told and told <= CLASS_WORDS and not p.carrier:
        aspect = _main_aspect(p.sense.aspects)
        return ASPECT_FAQ.get(aspect)
    return None


def settled_by_words(p: Parse, candidates: list[str]) -> str | None:
    """A close call among procedures that the message's words settle: retrieval's best of the
    candidates, when it covers the message and leads the others by ``COVER_LEAD``.
    「マイナンバーカードの申請」 is the card, not e-Tax's card method. None: still a close call."""
    if len(candidates) < 2 or not all(c.startswith(("proc:", "group:")) for c in candidates):
        return None
    by = {r.intent: r for r in p.sense.retrieved}
    ranked = sorted((by[c] for c in candidates if c in by), key=lambda r: -r.score)
    if not ranked or ranked[0].coverage < 1.0:
        return None
    if all(r.score < ranked[0].score * (1 - COVER_LEAD) for r in ranked[1:]):
        return ranked[0].intent
    return None


def chosen_by_words(buttons, p: Parse) -> str | None:
    """Right after a list of choices (``buttons``: label, data), a message in which character
    matching found none of them picks the one retrieval ranks first among them, when its
    document holds every word of the message and leads the other choices by ``COVER_LEAD``:
    「はじめての子です」 after the procedures that follow a birth is the first claim, 「市外です」
    after a move's the moving-out notification. None: no pick."""
    offered = {data for _, data in buttons if data.partition(":")[0] in ("proc", "faq", "group")}
    if len(offered) < 2 or p.unknown or p.has_entities or p.when:
        return None
    mine = [r for r in p.sense.retrieved if r.intent in offered]
    if not mine or mine[0].coverage < 1.0:
        return None
    if len(mine) > 1 and mine[1].score > mine[0].score * (1 - COVER_LEAD):
        return None
    return mine[0].intent


DETAIL_CHARS = 20  # a follow-up this short asks a detail of the last answer, not something new
SECTION_ASPECT = {"prepare": "prepare", "how": "how", "who": "who", "ask": "where", "what": "what"}


def detail_asked(p: Parse, section_with, words: list[str] = (), about: set[str] = frozenset()) -> str | None:
    """A short follow-up about a word the last procedure's answer uses (「写真はどうするの？」,
    「印鑑は？」) asks the part of the answer that says it: the aspect of that part, or None.
    ``section_with(lemmas)`` finds the part. Words a concept claims count too, by their lemmas
    (``words``: the message's content words), when one part uses every one: 「かかりつけがおらん
    のじゃけど」 after online medical care asks the part that says かかりつけ."""
    found = p.sense.found
    if len(p.text) > DETAIL_CHARS or p.has_entities or p.when:
        return None
    topics = found.topics - GENERIC - {"family"} - about  # what the answer speaks of is no other topic
    if found.unclaimed and not topics:
        lemmas = found.unclaimed
    elif not found.unclaimed and found.topics and not found.aspects:
        lemmas = list(words)  # every one of them in one part: 「案内が来とらん」 after the refund
    else:
        return None
    part = section_with(lemmas) if lemmas else None
    if part is None and found.own_words and found.own_words != lemmas:
        part = section_with(found.own_words)  # the nouns say it (薬局でも使える？: 薬局)
    return SECTION_ASPECT.get(part) if part else None


def shops_or_classes(p: Parse, accepted: list[Scored], margin: float) -> str | None:
    """Shops and classes matched alike (within ``margin``) with no date or level: the words of the
    message decide, by retrieval — "Which phone shops in Shimonoseki hold smartphone classes?"
    asks for shops, 「下関でスマホ教室をやっているお店」 too."""
    scores = {s.intent: s.score for s in accepted}
    if p.when or p.level or "shops" not in scores or "classes" not in scores:
        return None
    if abs(scores["shops"] - scores["classes"]) > margin:
        return None
    by = {r.intent: r.score for r in p.sense.retrieved}
    shops, classes = by.get("shops", 0.0), by.get("classes", 0.0)
    if shops == classes:
        return None
    return "shops" if shops > classes else "classes"


def city_procedures(p: Parse, ids: list[str]) -> str | None:
    """A close call between lists of procedures (MyNa Portal, the child-rearing ones, a group)
    in a message naming a city asks what that city offers (「宇部市は子育ての手続きをマイナポータル
    でできる？」): the most specific list answers, with the city's figure."""
    if not p.cities or not all(i.startswith(BROAD) or i == "mynaportal" for i in ids):
        return None
    return next((i for i in ids if i != "mynaportal"), ids[0])
