"""The engine: one incoming message in, a list of replies out.

Lives here: ``Engine`` — loads the resident's state, understands the text (or
routes the button / location), decides what to answer (confident intent, a
pick among the choices just offered, a close call to clarify, a follow-up that reuses the last city or carrier, the
answer to a pending "which city?", or an honest "I can't answer"), runs the
skill, and saves the state. Any failure inside becomes a polite error reply:
no traceback ever reaches a resident. Platform-neutral: channels call
``handle`` and render the replies.
"""

from __future__ import annotations

import logging
from typing import Callable

from bot.clock import SystemClock
from bot.data.knowledge import Knowledge
from bot.data.shops import ShopDirectory
from bot.dialogue.skills import classes, procedures, programme, reminders, shops, smalltalk, subscriptions
from bot.dialogue.state import ConversationState
from bot.dialogue.turn import Services, Turn
from bot.messages import IncomingMessage, Reply
from bot.store.classes import ClassStore
from bot.store.conversations import ConversationStore
from bot.store.residents import ResidentStore
from bot.store.database import Database
from bot.store.unanswered import UnansweredLog
from bot.understanding.normalize import MAX_UNDERSTOOD_CHARS, clean
from bot.understanding.parser import Parse, Understanding

log = logging.getLogger(__name__)

ACCEPT = 72.0  # an intent scoring below this is not understood
MARGIN = 6.0  # intents this close to the best one make a close call
PLACE_INTENTS = ("shops", "classes")
REQUEST_INTENTS = ("subscribe", "unsubscribe", "forget")  # what a resident asks done about their own data
MAX_REMEMBERED_BUTTONS = 13
UNKNOWN_WORDS_NEED = 90.0  # a message with words the bot does not know needs this score
ONE_UNKNOWN_EN_NEED = 80.0  # an English message with one word the bot does not know needs this score
NAMED_EXAMPLE = 6  # an example this long (kana) found whole in the message names what it asks (see _named)
FAQ_OVER_CLASSES = 60.0  # an FAQ this good wins over a general "classes" match
SHORT_EXAMPLE = 4  # an FAQ matched by so short a word (よやく) needs the talk to be about classes
SHARED_WORD_ACCEPT = 60.0  # a one-word message several intents share asks which (see _shared_word)
CHOICE_ACCEPT = 50.0  # right after a list of choices, one of them this good answers it (see _chosen)
SMALLTALK = ("greeting", "thanks", "bye")
ASKS_MORE_THAN_PLACE = 10  # a message this long (kana) beside a place name asks more than "what about it?"
CHOICE_BONUS = ACCEPT - CHOICE_ACCEPT  # what being offered adds to a choice's score


class Engine:
    """The platform-neutral conversation core."""

    def __init__(
        self,
        knowledge: Knowledge,
        shops_source: Callable[[], ShopDirectory],
        db: Database,
        clock: Callable | None = None,
        understanding: Understanding | None = None,
    ):
        self.knowledge = knowledge
        self.understanding = understanding or Understanding(knowledge)
        self.conversations = ConversationStore.of(db)
        self.clock = clock or SystemClock()
        self.services = Services(knowledge, shops_source, ClassStore(db), self.clock, ResidentStore(db))
        self.unanswered = UnansweredLog(db)

    async def handle(self, msg: IncomingMessage) -> list[Reply]:
        state = ConversationState.from_dict(await self.conversations.load(msg.user))
        lang = msg.lang if msg.lang in ("ja", "en") else state.lang
        turn = Turn(self.services, state, lang=lang, now=self.clock(), user=msg.user)
        try:
            replies = await self._dispatch(msg, turn)
        except Exception:
            log.exception("could not answer a message from %s", msg.user)
            replies = smalltalk.error(turn)
        if turn.forgotten:
            await self.conversations.forget(msg.user)
            return replies
        state.lang = turn.lang
        offered = next((r.buttons for r in reversed(replies) if r.buttons), [])
        state.buttons = [[b.label, b.data] for b in offered][:MAX_REMEMBERED_BUTTONS]
        await self.conversations.save(msg.user, state.to_dict())
        return replies

    async def forget(self, user: str) -> None:
        """Delete everything stored about a resident (channels call this on /forget)."""
        await self.conversations.forget(user)
        await self.services.residents.forget(user)

    # -- routing ------------------------------------------------------------------------

    async def _dispatch(self, msg: IncomingMessage, turn: Turn) -> list[Reply]:
        if msg.postback is not None:
            return await self._postback(turn, msg.postback)
        if msg.location is not None:
            return shops.near_location_reply(turn, msg.location.lat, msg.location.lon)
        text = clean(msg.text or "")
        if not text:
            return smalltalk.empty(turn)
        if len(text) > MAX_UNDERSTOOD_CHARS:
            return smalltalk.too_long(turn)
        parse = self.understanding.parse(text, turn.now.date())
        if parse.lang and msg.lang is None:
            turn.lang = parse.lang
        buttons = turn.state.buttons
        if parse.number is not None and 1 <= parse.number <= len(buttons):
            return await self._postback(turn, buttons[parse.number - 1][1])
        return await self._route(turn, parse)

    async def _route(self, turn: Turn, p: Parse) -> list[Reply]:
        state = turn.state
        accepted = [s for s in p.intents if s.score >= ACCEPT]
        top = accepted[0] if accepted else None
        if p.other_brand and not p.carrier and (top is None or top.intent == "shops"):
            # 「ワイモバイルのお店は宇部にある？」: a brand whose shops are not listed gets the
            # honest "I can't answer", not the city's other shops.
            return await self._unanswered(turn, p)
        if state.pending == "city" and (p.cities or p.prefecture_wide):
            if top is None or top.intent in PLACE_INTENTS or top.score < 90:
                intent = top.intent if top and top.intent in PLACE_INTENTS else state.pending_intent
                return await self._run(turn, intent or "shops", p, follow_up=True)
        if p.elsewhere and not p.cities and (top is None or top.intent in PLACE_INTENTS):
            return smalltalk.elsewhere(turn, p.elsewhere)
        chosen = self._chosen(turn, p, accepted)
        if len(chosen) == 1:
            return await self._run(turn, chosen[0], p)
        if chosen:
            return smalltalk.clarify(turn, [self._choice(turn, intent) for intent in chosen[:4]])
        if top is None:
            shared = self._shared_word(p)
            if shared:
                self._remember(turn, p)
                return smalltalk.clarify(turn, [self._choice(turn, s.intent) for s in shared])
            if self._continues(turn, p):
                return await self._run(turn, turn.state.topic, p, follow_up=True)
            return await self._follow_up(turn, p)
        if (all(s.intent in SMALLTALK for s in accepted) and top.score < UNKNOWN_WORDS_NEED
                and (p.when or p.level or p.topic)):
            # 「初めての人向けのは？」 brushes はじめまして; a date, level or topic is a class
            # filter, so the message continues the talk, not greets.
            return await self._follow_up(turn, p)
        if self._too_unknown(p, top):
            return await self._unanswered(turn, p)
        if top.intent.startswith("faq:") and (p.carrier or p.other_brand) and not self._about_classes(turn, accepted):
            # The FAQ is about the classes: next to a carrier's name and no class words, its
            # words ask about the carrier's business — 「ドコモの料金プラン」 is no class fee,
            # 「auショップは予約いる？」 no class booking —, which we cannot answer.
            return await self._unanswered(turn, p)
        def stray(s) -> bool:
            """An FAQ keyword lost in a longer message (病院の予約をしたい): a short one in twice
            its length, or one a kana longer in three times its length (「スマホの料金プランを安く
            したい」 asks about phone plans, not the class fee)."""
            if not s.intent.startswith("faq:"):
                return False
            n = len(s.example)
            return (n <= SHORT_EXAMPLE and n < len(p.scoring) / 2) or (n <= SHORT_EXAMPLE + 1 and n < len(p.scoring) / 3)

        if stray(top) and not self._about_classes(turn, accepted):
            # 「予約」 is the classes' booking only when the talk is about classes.
            accepted = [s for s in accepted if not stray(s)]
            if not accepted:
                if p.cities and not (p.when or p.level or p.topic or p.carrier):
                    # 「下関の病院を予約したい」: the message asks something of a place, in words
                    # that are ours only out of context; it is not a bare place name to follow up.
                    return await self._unanswered(turn, p)
                return await self._follow_up(turn, p)
            top = accepted[0]
        preferred = self._prefer(p, accepted)
        if preferred:
            return await self._run(turn, preferred, p)
        rivals = [s for s in accepted[1:] if s.score >= top.score - MARGIN and self._rivals(top, s, p)]
        if rivals:
            self._remember(turn, p)
            return smalltalk.clarify(turn, [self._choice(turn, s.intent) for s in [top, *rivals][:4]])
        return await self._run(turn, top.intent, p)

    @staticmethod
    def _named(p: Parse, s) -> bool:
        """The message contains ``s``'s example whole, and the example is long enough
        (``NAMED_EXAMPLE`` kana) to name one thing: 「…保険会社から罹災証明書を出してと言われた
        んですが…」 asks about りさいしょうめいしょ whatever else it tells on the way. Not in
        English, where one long word ("japanese" in "How do I make Japanese curry?") names
        nothing."""
        return len(s.example) >= NAMED_EXAMPLE and not s.example.isascii() and s.example in p.scoring

    def _too_unknown(self, p: Parse, top) -> bool:
        """Words the bot does not know (天気, 病院, pension) make a message out of scope
        unless the match is very good (``UNKNOWN_WORDS_NEED``). A long example found whole
        in it (``_named``) is such a match even when the rest of a long, rambling message
        discounts its score. English needs two unknown words (residents' English is
        wordy), or one where the match is weak (``ONE_UNKNOWN_EN_NEED``): 「How much tax do I
        pay on my pension?」 only shares "how do I" with "how do I book"."""
        if top.score >= UNKNOWN_WORDS_NEED or self._named(p, top) or not p.unknown:
            return False
        if p.lang == "en":
            return len(p.unknown) >= 2 or top.score < ONE_UNKNOWN_EN_NEED
        return True

    def _rivals(self, top, other, p: Parse) -> bool:
        """Whether ``other``, scoring close to ``top``, makes the message a close call.
        Not when ``other`` matched only a short example (``SHORT_EXAMPLE``) that is not in
        the message as such: one kana off in four is another word (まいなぽ in
        「まいなんばーかーど」). Not a procedure group against its own procedures: when the group
        leads (「児童手当の手続き」) its reply lists them all; when one of them leads, it is
        the more precise answer."""
        if len(other.example) <= SHORT_EXAMPLE and other.example not in p.scoring:
            return False
        groups = {self._group_of(s.intent) for s in (top, other)}
        return not ({top.intent, other.intent} & {f"group:{g}" for g in groups if g} and len(groups) == 1)

    def _group_of(self, intent: str) -> str | None:
        if intent.startswith("group:"):
            return intent[6:]
        if intent.startswith("proc:"):
            proc = self.knowledge.procedure(intent[5:])
            return proc.group if proc else None
        return None

    @staticmethod
    def _chosen(turn: Turn, p: Parse, accepted: list) -> list[str]:
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
        offered = {data for _, data in turn.state.buttons if data.partition(":")[0] in ("proc", "faq", "group")}
        if len(offered) < 2 or p.unknown or p.has_entities or p.when:
            return []
        if p.level and any(s.intent == "classes" for s in accepted):
            return []
        options = [s for s in p.intents if s.intent in offered]
        if not options or options[0].score < CHOICE_ACCEPT:
            return []
        best = options[0]
        outside = next((s for s in accepted if s.intent not in offered), None)
        if outside and (outside.score >= UNKNOWN_WORDS_NEED or outside.score > best.score + CHOICE_BONUS):
            return []
        close = [s.intent for s in options if s.score > best.score - MARGIN]
        if len(close) > 1 and len(close) == len(offered):
            return []  # every offered choice alike: the message narrows nothing
        return close

    @staticmethod
    def _shared_word(p: Parse) -> list:
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

    @staticmethod
    def _about_classes(turn: Turn, accepted: list) -> bool:
        return any(s.intent == "classes" for s in accepted) or (turn.state.topic or "").startswith(("classes", "faq"))

    @staticmethod
    def _prefer(p: Parse, accepted: list) -> str | None:
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
        intents = [s.intent for s in accepted]
        if "classes" in intents:
            classes_score = next(s.score for s in accepted if s.intent == "classes")
            if p.cities or p.when or p.prefecture_wide:
                if (accepted[0].intent.startswith("proc:") or accepted[0].intent in REQUEST_INTENTS) and (
                        classes_score < accepted[0].score - MARGIN and not (p.when or p.level)):
                    # A procedure or a request far ahead is asked about: the city is where the
                    # asker lives (a procedure), or what the request is for (「宇部の教室のお知らせ
                    # がほしい」 subscribes to Ube's class news; it does not list Ube's classes).
                    return None
                return "classes" if intents[0] != "shops" or p.when or p.level else "shops"
            faq = next((s for s in p.intents if s.intent.startswith("faq:") and s.score >= FAQ_OVER_CLASSES), None)
            searching = (p.level or p.topic) and faq is not None and faq.score < classes_score - MARGIN
            if faq and intents[0] in ("classes", faq.intent) and not searching:
                return faq.intent
            if p.level:
                return "classes"
        if "shops" in intents and p.carrier and "classes" not in intents:
            return "shops"
        return None

    @staticmethod
    def _continues(turn: Turn, p: Parse) -> bool:
        """Right after a shop or class answer, a message that names nothing new and scores
        that same intent best, if only at ``CHOICE_ACCEPT`` (「電話番号だけ教えて」 after a
        city's shops: a shop's phone number, not the support centre's), asks more of it.
        A tie with another intent is enough: the talk decides it."""
        topic = turn.state.topic
        if topic not in PLACE_INTENTS or not p.intents or p.unknown or p.has_entities or p.elsewhere:
            return False
        best = p.intents[0].score
        mine = next((s for s in p.intents if s.intent == topic), None)
        return mine is not None and mine.score >= CHOICE_ACCEPT and mine.score >= best

    async def _follow_up(self, turn: Turn, p: Parse) -> list[Reply]:
        """No intent words: a name, a date or a level on its own continues the last topic."""
        state = turn.state
        if p.unknown:
            return await self._unanswered(turn, p)
        topic = state.topic if state.topic in PLACE_INTENTS else None
        if topic is None:
            if p.when or p.level:
                topic = "classes"
            elif p.carrier:
                topic = "shops"
            elif p.cities:
                if len(p.scoring) >= ASKS_MORE_THAN_PLACE:
                    # 「萩の病院の電話番号を教えて」 asks something of the place in words we do
                    # not answer; 「萩」 or 「萩です」 is a bare place name, asked what about it.
                    return await self._unanswered(turn, p)
                return smalltalk.city_what(turn, p.cities[0])
            elif p.elsewhere:
                return smalltalk.elsewhere(turn, p.elsewhere)
        if topic is None or p.unknown or not (p.has_entities or p.when or p.level or p.topic):
            return await self._unanswered(turn, p)
        return await self._run(turn, topic, p, follow_up=True)

    async def _unanswered(self, turn: Turn, p: Parse) -> list[Reply]:
        """The honest "I can't answer"; the words are kept, without who wrote them, for staff
        (``madoguchi report unanswered``). Keeping them never stands in the way of the answer."""
        try:
            await self.unanswered.record(p.text, turn.lang, turn.now.date())
        except Exception:
            log.warning("could not keep an unanswered message", exc_info=True)
        return smalltalk.fallback(turn)

    def _remember(self, turn: Turn, p: Parse) -> None:
        if p.city:
            turn.state.city = p.city
        if p.carrier:
            turn.state.carrier = p.carrier

    def _choice(self, turn: Turn, intent: str) -> tuple[str, str]:
        if intent.startswith("proc:"):
            proc = self.knowledge.procedure(intent[5:])
            return proc.short.get(turn.lang), intent
        if intent.startswith("faq:"):
            entry = next(f for f in self.knowledge.programme.faq if f.id == intent[4:])
            return entry.label.get(turn.lang), intent
        if intent.startswith("group:"):
            group = next((g for g in self.knowledge.procedures.groups if g.id == intent[6:]), None)
            if group is not None:
                return group.label.get(turn.lang), intent
        keys = {"classes": "button.classes", "shops": "button.shops", "mynaportal": "button.mynaportal",
                "human": "button.human", "procedures_child": "button.procedures_child",
                "procedures_care": "button.procedures_care"}  # fmt: skip
        return turn.t(keys.get(intent, "button.menu")), f"pick:{intent}"

    # -- running an intent ------------------------------------------------------------

    async def _run(self, turn: Turn, intent: str, p: Parse | None = None, follow_up: bool = False) -> list[Reply]:
        p = p or Parse(text="", lang=None, folded="", reading="")
        state = turn.state
        if intent in PLACE_INTENTS:
            cities = list(p.cities)
            carrier = p.carrier
            level, topic = p.level, p.topic
            # 「そこでスマホ教室ある？」 right after talking about a city's shops: that city.
            if follow_up or state.topic in PLACE_INTENTS:
                if not cities and not p.prefecture_wide and state.city:
                    cities = [state.city]
                carrier = carrier or state.carrier
                level = level or state.level
                topic = topic or state.class_topic
            if intent == "shops":
                city = cities[0] if cities else None
                return shops.shops_reply(turn, city, carrier, p.prefecture_wide and not city)
            return await classes.classes_reply(turn, cities, p.when, level, topic, carrier, p.prefecture_wide)
        if intent == "subscribe":
            city = p.city or (state.city if follow_up else None)
            return await subscriptions.subscribe(turn, city)
        state.clear_pending()
        if intent == "unsubscribe":
            return await subscriptions.unsubscribe(turn, p.city)
        if intent == "forget":
            return subscriptions.forget_confirm(turn)
        simple: dict[str, Callable[[Turn], list[Reply]]] = {
            "greeting": smalltalk.greeting,
            "menu": smalltalk.menu,
            "thanks": smalltalk.thanks,
            "bye": smalltalk.bye,
            "human": smalltalk.human,
            "mynaportal": procedures.mynaportal_reply,
            "faq": programme.faq_menu,
            # a sticker, photo or voice message: channels send this postback
            "unsupported": smalltalk.unsupported,
        }
        if intent in simple:
            return simple[intent](turn)
        if intent in ("lang_en", "lang_ja"):
            return smalltalk.switch_language(turn, intent[-2:])
        if intent == "procedures_child":
            return procedures.category_reply(turn, "child_rearing")
        if intent == "procedures_care":
            return procedures.category_reply(turn, "nursing_care")
        kind, _, key = intent.partition(":")
        handlers = {"proc": procedures.procedure_reply, "faq": programme.faq_reply, "group": procedures.group_reply}
        if kind in handlers:
            replies = handlers[kind](turn, key)
            if replies is not None:
                return replies
        return smalltalk.unknown_button(turn)

    async def _postback(self, turn: Turn, data: str) -> list[Reply]:
        """Route a button's data: ``menu``, ``intent:X``, ``pick:X``, ``proc:ID``,
        ``group:ID``, ``faq:ID``, ``city:NAME``, ``shops:CITY``,
        ``classes:CITY[:level=L|topic=T]``, ``lang:ja|en``, ``sub:CITY``,
        ``unsub:CITY|*``, ``forget:yes|no``, ``remind:ID|cancel:ID``."""
        state = turn.state
        kind, _, arg = (data or "").strip().partition(":")
        if kind == "menu":
            return smalltalk.menu(turn)
        if kind == "intent" and arg:
            state.clear_pending()
            return await self._run(turn, arg)
        if kind == "pick" and arg:
            return await self._run(turn, arg, follow_up=True)
        if kind == "sub" and arg:
            if self.knowledge.municipality(arg) is None:
                return smalltalk.unknown_button(turn)
            return await subscriptions.subscribe(turn, arg)
        if kind == "unsub" and arg:
            everything = arg == "*"
            if not everything and self.knowledge.municipality(arg) is None:
                return smalltalk.unknown_button(turn)
            return await subscriptions.unsubscribe(turn, None if everything else arg, everything=everything)
        if kind == "forget" and arg in ("yes", "no"):
            return await subscriptions.forget(turn, arg == "yes")
        if kind == "remind" and arg:
            return await reminders.remind(turn, arg) or smalltalk.unknown_button(turn)
        if kind == "lang" and arg in ("ja", "en"):
            return smalltalk.switch_language(turn, arg)
        if kind in ("proc", "group", "faq") and arg:
            return await self._run(turn, data)
        if kind in ("city", "shops", "classes") and arg:
            city, _, option = arg.partition(":")
            if self.knowledge.municipality(city) is None:
                return smalltalk.unknown_button(turn)
            if kind == "city":
                if state.pending == "city" and state.pending_intent in (*PLACE_INTENTS, "subscribe"):
                    p = Parse(text="", lang=None, folded="", reading="", cities=[city])
                    return await self._run(turn, state.pending_intent, p, follow_up=True)
                return smalltalk.city_what(turn, city)
            if kind == "shops":
                return shops.shops_reply(turn, city, None)
            name, _, value = option.partition("=")
            level = value if name == "level" else None
            topic = value if name == "topic" else None
            return await classes.classes_reply(turn, [city], level=level, topic=topic)
        return smalltalk.unknown_button(turn)
