"""The engine: one incoming message in, a list of replies out.

Lives here: ``Engine`` — loads the resident's state, understands the text (or
routes the button / location), decides what to answer (confident intent, a pick
among the choices just offered, a close call to clarify, a follow-up that reuses
the last city or carrier, the answer to a pending "which city?", or an honest "I
can't answer"; the rules and thresholds are ``bot.dialogue.routing``'s), runs the
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
from bot.dialogue import postbacks
from bot.dialogue.skills import classes, procedures, programme, reminders, shops, smalltalk, subscriptions
from bot.dialogue.routing import (
    ACCEPT,
    ASKS_MORE_THAN_PLACE,
    MARGIN,
    PLACE_INTENTS,
    SMALLTALK,
    UNKNOWN_WORDS_NEED,
    about_classes,
    asks_procedure,
    chosen,
    continues,
    prefer,
    rivals,
    shared_word,
    stray,
    too_unknown,
)
from bot.dialogue.state import ConversationState
from bot.dialogue.turn import Services, Turn
from bot.messages import IncomingMessage, Reply
from bot.privacy import screening
from bot.store.classes import ClassStore
from bot.store.conversations import ConversationStore
from bot.store.residents import ResidentStore
from bot.store.database import Database
from bot.store.unanswered import UnansweredLog
from bot.understanding.normalize import MAX_UNDERSTOOD_CHARS, clean
from bot.understanding.parser import Parse, Understanding

log = logging.getLogger(__name__)

MAX_REMEMBERED_BUTTONS = 13



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
        screened = screening.screen(msg)  # residents' secrets masked before anything else sees the text
        msg = screened.message
        state = ConversationState.from_dict(await self.conversations.load(msg.user))
        lang = msg.lang if msg.lang in ("ja", "en") else state.lang
        turn = Turn(self.services, state, lang=lang, now=self.clock(), user=msg.user)
        try:
            replies = screening.scam_reply(turn, screened) if screened.scam else await self._dispatch(msg, turn)
        except Exception:
            log.exception("could not answer a message from %s", msg.user)
            return screened.warn(turn, smalltalk.error(turn))  # a turn that failed saves nothing
        replies = screened.warn(turn, replies)
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
        picked = chosen(turn.state, p, accepted)
        if len(picked) == 1:
            return await self._run(turn, picked[0], p)
        if picked:
            return smalltalk.clarify(turn, [self._choice(turn, intent) for intent in picked[:4]])
        if top is None:
            shared = shared_word(p)
            if shared:
                self._remember(turn, p)
                return smalltalk.clarify(turn, [self._choice(turn, s.intent) for s in shared])
            if continues(turn.state, p):
                return await self._run(turn, turn.state.topic, p, follow_up=True)
            return await self._follow_up(turn, p)
        if (all(s.intent in SMALLTALK for s in accepted) and top.score < UNKNOWN_WORDS_NEED
                and (p.when or p.level or p.topic)):
            # 「初めての人向けのは？」 brushes はじめまして; a date, level or topic is a class
            # filter, so the message continues the talk, not greets.
            return await self._follow_up(turn, p)
        if too_unknown(p, top):
            return await self._unanswered(turn, p)
        if top.intent.startswith("faq:") and (p.carrier or p.other_brand) and not about_classes(turn.state, accepted):
            # The FAQ is about the classes: next to a carrier's name and no class words, its
            # words ask about the carrier's business — 「ドコモの料金プラン」 is no class fee,
            # 「auショップは予約いる？」 no class booking —, which we cannot answer.
            return await self._unanswered(turn, p)
        if stray(p, top) and not about_classes(turn.state, accepted):
            # 「予約」 is the classes' booking only when the talk is about classes.
            accepted = [s for s in accepted if not stray(p, s)]
            if not accepted:
                if p.cities and not (p.when or p.level or p.topic or p.carrier):
                    # 「下関の病院を予約したい」: the message asks something of a place, in words
                    # that are ours only out of context; it is not a bare place name to follow up.
                    return await self._unanswered(turn, p)
                return await self._follow_up(turn, p)
            top = accepted[0]
        if asks_procedure(turn.state, p, top):
            return await self._run(turn, turn.state.topic, p)
        preferred = prefer(p, accepted)
        if preferred:
            return await self._run(turn, preferred, p)
        close = [s for s in accepted[1:] if s.score >= top.score - MARGIN and rivals(top, s, p, self._group_of)]
        if close:
            self._remember(turn, p)
            return smalltalk.clarify(turn, [self._choice(turn, s.intent) for s in [top, *close][:4]])
        return await self._run(turn, top.intent, p)

    def _group_of(self, intent: str) -> str | None:
        if intent.startswith("group:"):
            return intent[6:]
        if intent.startswith("proc:"):
            proc = self.knowledge.procedure(intent[5:])
            return proc.group if proc else None
        return None

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
        if not postbacks.offered(data or "", self.knowledge):
            return smalltalk.unknown_button(turn)
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
