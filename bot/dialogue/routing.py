"""Which answer a resident's message gets: the routing rules the engine applies.

Lives here: the thresholds (``ACCEPT``, ``MARGIN`` …) and the rules on a ``Parse``, its
scored intents and the conversation state — whether words the bot does not know make
the message out of scope (``too_unknown``), a close call to ask about (``rivals``), a
pick among the choices just offered (``chosen``), one word several intents share
(``shared_word``), a choice settled by what else the message says (``prefer``), a
follow-up of the last answer (``continues``), an FAQ word lost in a longer message
(``stray``). Pure functions: the engine (``bot.dialogue.engine``) decides with them and
runs the skills.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import languages
from bot.dialogue.state import ConversationState
from bot.understanding.intents import Scored
from bot.understanding.parser import Parse

ACCEPT = 72.0  # an intent scoring below this is not understood
MARGIN = 6.0  # intents this close to the best one make a close call
PLACE_INTENTS = ("shops", "classes")
REQUEST_INTENTS = ("subscribe", "unsubscribe", "forget")  # what a resident asks done about their own data
UNKNOWN_WORDS_NEED = 90.0  # a message with words the bot does not know needs this score
ONE_UNKNOWN_EN_NEED = 80.0  # an English message with one word the bot does not know needs this score
NAMED_EXAMPLE = 6  # an example this long (kana) found whole in the message names what it asks (see named)
FAQ_OVER_CLASSES = 60.0  # an FAQ this good wins over a general "classes" match
FAQ_BEHIND_CLASSES = 12.0  # ... unless the class match leads it by more than this (see prefer)
SHORT_EXAMPLE = 4  # an FAQ matched by so short a word (よやく) needs the talk to be about classes
SHARED_WORD_ACCEPT = 60.0  # a one-word message several intents share asks which (see shared_word)
CHOICE_ACCEPT = 50.0  # right after a list of choices, one of them this good answers it (see chosen)
SMALLTALK = ("greeting", "thanks", "bye")
ASKS_MORE_THAN_PLACE = 10  # a message this long (kana) beside a place name asks more than "what about it?"
CHOICE_BONUS = ACCEPT - CHOICE_ACCEPT  # what being offered adds to a choice's score


def named(p: Parse, s: Scored) -> bool:
    """The message contains ``s``'s example whole, and the example is long enough
    (``NAMED_EXAMPLE`` kana) to name one thing: 「…保険会社から罹災証明書を出してと言われた
    んですが…」 asks about りさいしょうめいしょ whatever else it tells on the way. Not in
    English, where one long word ("japanese" in "How do I make Japanese curry?") names
    nothing."""
    return len(s.example) >= NAMED_EXAMPLE and not s.example.isascii() and s.example in p.scoring


def too_unknown(p: Parse, top: Scored) -> bool:
    """Words the bot does not know (天気, 病院, pension) make a message out of scope
    unless the match is very good (``UNKNOWN_WORDS_NEED``). A long example found whole
    in it (``named``) is such a match even when the rest of a long, rambling message
    discounts its score. English needs two unknown words (residents' English is
    wordy), or one where the match is weak (``ONE_UNKNOWN_EN_NEED``): 「How much tax do I
    pay on my pension?」 only shares "how do I" with "how do I book". One English word
    (an example of one word, "classes") found among two or more words the bot does not
    know ("DROP TABLE classes") is no very good match whatever its score: the message is
    about something else."""
    lone_word = languages.is_latin(p.lang) and " " not in top.example and len(p.unknown) >= 2
    if (top.score >= UNKNOWN_WORDS_NEED and not lone_word) or named(p, top) or not p.unknown:
        return False
    if languages.is_latin(p.lang):
        return len(p.unknown) >= 2 or top.score < ONE_UNKNOWN_EN_NEED
    return True


def rivals(top: Scored, other: Scored, p: Parse, group_of: Callable[[str], str | None]) -> bool:
    """Whether ``other``, scoring close to ``top``, makes the message a close call.
    Not when ``other`` matched only a short example (``SHORT_EXAMPLE``) that is not in
    the message as such: one kana off in four is another word (まいなぽ in
    「まいなんばーかーど」). Not MyNa Portal behind a procedure, one of its own. Not a
    procedure group against its own procedures: when the group leads (「児童手当の手続き」)
    its reply lists them all; when one of them leads, it is the more precise answer."""
    if len(other.example) <= SHORT_EXAMPLE and other.example not in p.scoring:
        return False
    if top.intent.startswith("proc:") and other.intent == "mynaportal":
        return False  # every procedure is the portal's: 「転出届をマイナポータルで」 asks that one
    groups = {group_of(s.intent) for s in (top, other)}
    return not ({top.intent, other.intent} & {f"group:{g}" for g in groups if g} and len(groups) == 1)


def chosen(state: ConversationState, p: Parse, accepted: list) -> list[str]:
    """Context-aware scoring right after a list of choices (a group's procedures, the
    FAQ, a close call): the next message most likely picks one of them, often in few
    words that say nothing on their own (「はじめての申請です」 after the care-certification
    procedures). One offered choice wins when it scores at least ``CHOICE_ACCEPT``,
    leads the other choices by ``MARGIN``, and the best intent outside the list is no
    confident match (below ``UNKNOWN_WORDS_NEED``) and does not beat it once the choice
    gets ``CHOICE_BONUS`` for being offered, the bonus that lifts ``CHOICE_ACCEPT`` to
    ``ACCEPT`` (「はじめて」 brushing 「はじめまして」 is no greeting). A message with words the bot
    does not know, a place, a carrier or a date, or a level beside a class match
    (「初心者向けの教室」) asks something new and is routed as usual.

    Returns the chosen intent, or, when several offered choices score within ``MARGIN``
    of the best (「給食費のやつ」 after the child-allowance procedures, two of which are
    about school lunch fees), those choices, to ask which one: the message did narrow
    the list, and "I can't answer" would drop the thread. Empty: not a choice."""
    offered = {data for _, data in state.buttons if data.partition(":")[0] in ("proc", "faq", "group")}
    if len(offered) < 2 or _asks_something_new(p, accepted):
        return []
    options = [s for s in p.intents if s.intent in offered]
    if not options or options[0].score < CHOICE_ACCEPT or _outside_wins(options[0], offered, accepted):
        return []
    best = options[0]
    close = [s.intent for s in options if s.score > best.score - MARGIN]
    if len(close) > 1 and len(close) == len(offered):
        return []  # every offered choice alike: the message narrows nothing
    return close


def _asks_something_new(p: Parse, accepted: list) -> bool:
    """Words the bot does not know, a place, a carrier or a date, or a level beside a
    class match: the message asks something new, not which of the choices (see chosen)."""
    if p.unknown or p.has_entities or p.when:
        return True
    return bool(p.level) and any(s.intent == "classes" for s in accepted)


def _outside_wins(best: Scored, offered: set, accepted: list) -> bool:
    """The best intent outside the offered choices is a confident match, or beats the best
    choice even once that gets ``CHOICE_BONUS`` for being offered (see chosen)."""
    outside = next((s for s in accepted if s.intent not in offered), None)
    return outside is not None and (outside.score >= UNKNOWN_WORDS_NEED or outside.score > best.score + CHOICE_BONUS)


def shared_word(p: Parse) -> list:
    """A message that is one word several intents share — 「手続き」 is in 子育ての手続き,
    介護の手続き, 引っ越しの手続き and スマホで手続き — scores below ``ACCEPT`` for each,
    and ties: rather than "I can't answer", the resident is asked which (up to four).
    Only when the whole message stands inside every tied intent's best example, so a
    longer question that merely resembles several examples is not turned into a menu."""
    if not p.intents or p.unknown or p.has_entities or p.when or len(p.scoring) < 2:
        return []
    best = p.intents[0].score
    tied = [s for s in p.intents if s.score >= best - MARGIN and s.score >= SHARED_WORD_ACCEPT]
    if len(tied) < 2 or not all(p.scoring in s.example for s in tied):
        return []
    return tied[:4]


def about_classes(state: ConversationState, accepted: list) -> bool:
    return any(s.intent == "classes" for s in accepted) or (state.topic or "").startswith(("classes", "faq"))


def prefer(p: Parse, accepted: list) -> str | None:
    """Settle a choice from what else the message says. A place, date or level
    makes a class question of a class match (procedures do not depend on the
    city) — but not of a procedure far ahead of it without a date or level ("Where can
    I get my My Number card made? I live in Hikari": the city is where the asker
    lives) —, unless the shop words weigh at least as much and no date or level is
    given (「下関でスマホ教室をやっている携帯ショップ」 asks for shops); without them, a class match next to an FAQ is a question about the
    classes in general (「スマホ教室ってお金かかる？」), unless the message names the kind
    of class (a level or topic, which only a search uses) and the class match beats the
    FAQ by more than ``MARGIN``: 「初心者でも受けられるスマホ講座を探しています」 looks for
    beginners' classes, it does not ask 「初心者でも大丈夫？」; a carrier without class
    words is a shop question."""
    procedure = named_procedure(p, accepted)
    if procedure:
        return procedure
    intents = [s.intent for s in accepted]
    if "classes" in intents:
        classes_score = next(s.score for s in accepted if s.intent == "classes")
        if p.cities or p.when or p.prefecture_wide:
            return _placed_class_or_shop(p, accepted, classes_score)
        if "human" in intents and not (p.level or p.topic or p.carrier):
            # 「電話で相談したい。講習会のことで」, 「スマホ講習会の問い合わせの電話番号」: a number to
            # call about the classes in general is the support centre's (a city's classes list
            # their venues' numbers).
            return "human"
        faq = _faq_about_classes(p, intents[0], classes_score)
        if faq:
            return faq
        if p.level:
            return "classes"
    if p.carrier and "classes" not in intents and ("shops" in intents or intents[0] == "human"):
        # A carrier's name without class words asks for its shops; asking its phone number
        # ("phone number of softbank hofu") too: the number is the shop's, not the centre's.
        return "shops"
    return None


def _placed_class_or_shop(p: Parse, accepted: list, classes_score: float) -> str | None:
    """A class match with a place or date (see prefer): a class search, or the shops when
    they lead and no date or level is given; nothing when a procedure or a request far
    ahead is asked about: the city is where the asker lives (a procedure), or what the
    request is for (「宇部の教室のお知らせがほしい」 subscribes to Ube's class news; it does not
    list Ube's classes)."""
    top = accepted[0]
    dated = bool(p.when or p.level)
    if (top.intent.startswith("proc:") or top.intent in REQUEST_INTENTS) and (
        classes_score < top.score - MARGIN and not dated
    ):
        return None
    return "classes" if top.intent != "shops" or dated else "shops"


def _faq_about_classes(p: Parse, lead: str, classes_score: float) -> str | None:
    """The FAQ a class match ties with, asked of the classes in general (see prefer):
    none when the message names the kind of class and the class match beats the FAQ by
    more than ``MARGIN`` (a search), or when the class match leads it by more than
    ``FAQ_BEHIND_CLASSES``."""
    faq = next((s for s in p.intents if s.intent.startswith("faq:") and s.score >= FAQ_OVER_CLASSES), None)
    if faq is None or lead not in ("classes", faq.intent):
        return None
    searching = (p.level or p.topic) and faq.score < classes_score - MARGIN
    behind = lead == "classes" and faq.score < classes_score - FAQ_BEHIND_CLASSES
    return None if searching or behind else faq.intent


def named_procedure(p: Parse, accepted: list) -> str | None:
    """A procedure the message names whole (``named``) wins over the FAQ it ties with:
    the FAQ answers the classes' questions (free, what to bring, booking), and asked of a
    named procedure they ask about that procedure, whose answer says what to prepare and
    how — 「罹災証明書って何を持っていけばいいの」, 「オンライン診療はお金かかるの？」. Only
    when everything else within ``MARGIN`` of the best is an FAQ and no class words are
    matched (「マイナンバーカードの講座は予約がいる？」 asks about a class)."""
    if not accepted or any(s.intent == "classes" for s in accepted):
        return None
    close = [s for s in accepted if s.score >= accepted[0].score - MARGIN]
    procs = [s for s in close if s.intent.startswith("proc:")]
    if len(procs) != 1 or not named(p, procs[0]) or len(close) < 2:
        return None
    if all(s.intent.startswith("faq:") for s in close if s is not procs[0]):
        return procs[0].intent
    return None


def continues(state: ConversationState, p: Parse) -> bool:
    """Right after a shop or class answer, a message that names nothing new and scores
    that same intent best, if only at ``CHOICE_ACCEPT`` (「電話番号だけ教えて」 after a
    city's shops: a shop's phone number, not the support centre's), asks more of it.
    A tie with another intent is enough: the talk decides it."""
    topic = state.topic
    if topic not in PLACE_INTENTS or not p.intents or p.unknown or p.has_entities or p.elsewhere:
        return False
    best = p.intents[0].score
    mine = next((s for s in p.intents if s.intent == topic), None)
    return mine is not None and mine.score >= CHOICE_ACCEPT and mine.score >= best


def stray(p: Parse, s: Scored) -> bool:
    """An FAQ keyword lost in a longer message (病院の予約をしたい): a short one in twice
    its length, or one a kana longer in three times its length (「スマホの料金プランを安く
    したい」 asks about phone plans, not the class fee)."""
    if not s.intent.startswith("faq:"):
        return False
    n = len(s.example)
    return (n <= SHORT_EXAMPLE and n < len(p.scoring) / 2) or (n <= SHORT_EXAMPLE + 1 and n < len(p.scoring) / 3)
