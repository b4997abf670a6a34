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
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot import languages
from bot.clock import SystemClock
from bot.data.knowledge import Knowledge
from bot.data.shop_names import ShopNames
from bot.data.shops import ShopDirectory
from bot.data.yaml_lines import DataError
from bot.dialogue import cities, meaning_rules, postbacks, registry
from bot.dialogue.actions import Action
from bot.dialogue.routing import (
    ACCEPT,
    ASKS_MORE_THAN_PLACE,
    MARGIN,
    PLACE_INTENTS,
    SMALLTALK,
    UNKNOWN_WORDS_NEED,
    about_classes,
    chosen,
    continues,
    prefer,
    rivals,
    shared_word,
    stray,
    too_unknown,
)
from bot.dialogue.skills import classes, procedures, reminders, shops, smalltalk, subscriptions, welcome
from bot.dialogue.state import ConversationState
from bot.dialogue.turn import Services, Turn
from bot.messages import PLAIN, Answer, Capabilities, IncomingMessage, Reply
from bot.privacy import screening
from bot.store.bundle import Stores
from bot.understanding.normalize import MAX_UNDERSTOOD_CHARS, clean, fold, has_kanji
from bot.understanding.parser import Parse, Understanding

log = logging.getLogger(__name__)
NAMED_SHOPS_SEARCHED = 400  # at most this many shops are read for one named by its own words

MAX_REMEMBERED_BUTTONS = 13
CITY_ACTIONS = ("sub", "unsub", "city", "shops", "classes")  # button data that names a municipality
SILENCE_CLEARS = timedelta(hours=1)  # after this long without a word, inherited filters are dropped


class Engine:
    """The platform-neutral conversation core."""

    def __init__(
        self,
        knowledge: Knowledge,
        shops_source: Callable[[], ShopDirectory],
        stores: Stores,
        clock: Callable | None = None,
        understanding: Understanding | None = None,
    ):
        self.knowledge = knowledge
        self.understanding = understanding or Understanding(knowledge)
        problems = registry.missing(knowledge) + self.understanding.meaning.problems(knowledge.directory)
        if problems:
            raise DataError(problems)
        self.conversations = stores.conversations
        self.clock = clock or SystemClock()
        self.services = Services(knowledge, shops_source, stores, self.clock)
        self.unanswered = stores.unanswered
        self._procedure_concepts = {f"proc:{p.id}": set(p.concepts) for p in knowledge.procedures.procedures}
        # What FAQ entries and the contact intent declare (worries about the classes, complaints).
        self._postbacks = self._postback_routes()
        self._contextual = {c.id for c in knowledge.concepts.concepts if c.needs_context}
        self._declared = {f"faq:{f.id}": set(f.concepts) for f in knowledge.programme.faq if f.concepts}
        self._declared |= {i.id: set(i.concepts) for i in knowledge.intents.intents if i.id == "human" and i.concepts}
        self._class_worries = {c for f in knowledge.programme.faq for c in f.concepts}
        municipalities = knowledge.municipalities.municipalities
        self._home = [m.name for m in municipalities]
        self._shop_names = ShopNames(
            {c.id: list(c.words) for c in knowledge.carriers.carriers},
            {m.name: [m.name, m.short] for m in municipalities},
        )

    async def handle(self, msg: IncomingMessage, capabilities: Capabilities = PLAIN) -> list[Reply]:
        return (await self.answer(msg, capabilities)).replies

    async def answer(self, msg: IncomingMessage, capabilities: Capabilities = PLAIN) -> Answer:
        """The replies to ``msg`` shaped by what the channel can show, and their language."""
        if msg.kind in welcome.GONE:  # unfollowed or blocked: recorded, nothing said, no state
            await welcome.gone(self.services.residents, msg.user)
            return Answer([], None)
        screened = screening.screen(msg)  # residents' secrets masked before anything else sees the text
        async with self.conversations.turn(screened.message.user):
            return await self._answer(screened, capabilities)

    async def _answer(self, screened, capabilities: Capabilities) -> Answer:
        msg = screened.message
        state = ConversationState.from_dict(await self.conversations.load(msg.user))
        lang = msg.lang if languages.known(msg.lang) else state.lang
        turn = Turn(self.services, state, lang=lang, now=self.clock(), user=msg.user)
        _after_silence(state, turn.now)
        asked_before = state.pending
        try:
            replies = (
                screening.scam_reply(turn, screened)
                if self._scam_report(screened, turn)
                else await self._dispatch(msg, turn, capabilities)
            )
        except Exception:
            log.exception("could not answer a message from %s", msg.user)
            return Answer(screened.warn(turn, smalltalk.error(turn)), turn.lang)  # a failed turn saves nothing
        replies = screened.warn(turn, replies)
        if turn.forgotten:
            await self.conversations.forget(msg.user)
            return Answer(replies, turn.lang)
        if state.pending and not asked_before and msg.text:
            state.pending_text = clean(msg.text)[:MAX_UNDERSTOOD_CHARS]  # its date or level is kept for the answer
        state.last_at = turn.now.isoformat()
        state.lang = turn.lang
        offered = next((r.buttons for r in reversed(replies) if r.buttons), [])
        state.buttons = [[b.label, b.data] for b in offered][:MAX_REMEMBERED_BUTTONS]
        await self.conversations.save(msg.user, state.to_dict())
        return Answer(replies, turn.lang)

    def _scam_report(self, screened, turn: Turn) -> bool:
        """A message about a suspicious call or mail gets the scam warning, unless each of its
        sentences that speaks of one asks for a class on it: 「詐欺メールの見分け方を教えてくれる
        教室はある？」 is a class search on that topic (its safety courses); 「詐欺の電話がかかって
        きた。教室で習ったけど不安」 still reports one."""
        if not screened.scam:
            return False
        today = turn.now.date()
        sentences = screening.scam_sentences(screened.message.text or "")
        parses = [self.understanding.parse(clean(s)[:MAX_UNDERSTOOD_CHARS], today) for s in sentences]
        return not parses or not all(meaning_rules.learning(p) for p in parses)

    async def language(self, user: str) -> str:
        """The language the resident is answered in (for a channel's own words)."""
        return ConversationState.from_dict(await self.conversations.load(user)).lang

    async def forget(self, user: str) -> None:
        """Delete everything stored about a resident (channels call this on /forget)."""
        await self.conversations.forget(user)
        await self.services.residents.forget(user)

    # -- routing ------------------------------------------------------------------------

    async def _dispatch(self, msg: IncomingMessage, turn: Turn, capabilities: Capabilities = PLAIN) -> list[Reply]:
        if msg.kind in welcome.EVENTS:
            return await welcome.answer(turn, msg, capabilities, self._postback)
        if msg.postback is not None:
            return await self._postback(turn, msg.postback)
        if msg.location is not None:
            return shops.near_location_reply(turn, msg.location.lat, msg.location.lon)
        text = clean(msg.text or "")
        if not text:
            return smalltalk.empty(turn)
        if len(text) > MAX_UNDERSTOOD_CHARS:
            return smalltalk.too_long(turn)
        parse = self.understanding.parse(self.understanding.focus(text, turn.now.date()), turn.now.date())
        if msg.lang is None:  # a Japanese message keeps a やさしい日本語 reader's language
            turn.lang = languages.answering(parse.lang, turn.lang)
        buttons = turn.state.buttons
        if parse.number is not None and 1 <= parse.number <= len(buttons):
            return await self._postback(turn, buttons[parse.number - 1][1])
        if parse.number is not None and buttons:
            # A number with no button to press: the same choices again, not "I can't answer".
            return smalltalk.number_again(turn, [(label, data) for label, data in buttons])
        return await self._route(turn, parse)

    async def _route(self, turn: Turn, p: Parse) -> list[Reply]:
        """What the message gets, first settled rule first: what it settles before anything else
        (a brand we do not list, the answer to "which city?", another prefecture), its meaning
        (``_by_meaning``), a pick among the choices just offered, and the character matches."""
        index = self.understanding.meaning.index
        # A word that needs context (内容, 何を教える) alone makes no message about something else.
        aside = index.neutral | index.contextual
        accepted = [s for s in p.intents if s.score >= ACCEPT and not meaning_rules.not_the_menu(p, s, aside)]
        top = accepted[0] if accepted else None
        early = self._settled_first(turn, p, top)
        if early is None:
            early = self._by_meaning(turn, p, top)
        if early is not None:
            return await early
        picked = chosen(turn.state, p, accepted)
        if not picked and (top is None or top.score < UNKNOWN_WORDS_NEED):
            by_words = meaning_rules.chosen_by_words(turn.state.buttons, p)
            picked = [by_words] if by_words else []
        if len(picked) == 1:
            return await self._run(turn, picked[0], p)
        if picked:
            return smalltalk.clarify(turn, [self._choice(turn, intent) for intent in picked[:4]])
        if top is None:
            return await self._nothing_matched(turn, p)
        return await self._matched(turn, p, accepted)

    def _settled_first(self, turn: Turn, p: Parse, top):
        state = turn.state
        if p.other_brand and not p.carrier and (top is None or top.intent == "shops"):
            # 「ワイモバイルのお店は宇部にある？」: a brand whose shops are not listed gets the
            # honest "I can't answer", not the city's other shops.
            return self._unanswered(turn, p)
        if state.pending == "city" and (p.cities or p.prefecture_wide):
            if top is None or top.intent in PLACE_INTENTS or top.score < 90:
                self._inherit_asked(turn, p)
                intent = top.intent if top and top.intent in PLACE_INTENTS else state.pending_intent
                return self._run(turn, intent or "shops", p, follow_up=True)
        if p.elsewhere and not p.cities and not p.sense.events and (top is None or top.intent in PLACE_INTENTS):
            # A life event makes the other place part of what happened: 「広島に来月移る」 moves out.
            return _ready(smalltalk.elsewhere(turn, p.elsewhere))
        return self._settled_by_shops(turn, p, top)

    def _settled_by_shops(self, turn: Turn, p: Parse, top):
        """A shop named by its own words; a carrier listed by its phone desk alone."""
        state = turn.state
        named = self._named_shops(turn, p, top)
        if named:
            return _ready(shops.named_shops_reply(turn, named))
        carrier = p.carrier
        if carrier is None and state.topic == "shops" and top is None and not (p.has_entities or p.unknown):
            carrier = state.carrier  # 「何時まで？」 right after the desk's answer asks more of it
        if shops.only_desks(turn, carrier) and not (top and top.intent.startswith(("proc:", "group:"))):
            # Rakuten is listed by its phone desk alone: whatever is asked of it — its shops,
            # its classes, its hours, a number to call — the desk is what the bot knows.
            return _ready(shops.desk_reply(turn, carrier))
        return None

    def _named_shops(self, turn: Turn, p: Parse, top) -> list:
        """Shops the message names by their own words, asked with a carrier or right after a
        shop answer (「ゆめタウンの方は？」), when no procedure or class is the match: in the
        cities it names, else the one just talked about, else the home prefecture's."""
        state = turn.state
        if not (p.carrier or state.topic == "shops") or (top and top.intent not in ("shops", "human")):
            return []
        cities = p.cities or ([state.city] if state.topic == "shops" and state.city else self._home)
        directory = turn.services.shops
        found: list = []
        for city in cities:
            found += directory.in_city(city, p.carrier)
            if len(found) > NAMED_SHOPS_SEARCHED:
                return []  # a national listing without a city: too many shops to read on the loop
        return self._shop_names.named(found, fold(p.text, keep_katakana=True))

    async def _nothing_matched(self, turn: Turn, p: Parse) -> list[Reply]:
        shared = shared_word(p)
        if shared:
            self._remember(turn, p)
            return smalltalk.clarify(turn, [self._choice(turn, s.intent) for s in shared])
        if continues(turn.state, p):
            return await self._run(turn, turn.state.topic, p, follow_up=True)
        return await self._follow_up(turn, p)

    async def _matched(self, turn: Turn, p: Parse, accepted: list) -> list[Reply]:
        """Some intent matched well enough (``ACCEPT``): the rules on the matches decide."""
        top = accepted[0]
        if (
            all(s.intent in SMALLTALK for s in accepted)
            and top.score < UNKNOWN_WORDS_NEED
            and (p.when or p.level or p.topic)
        ):
            # 「初めての人向けのは？」 brushes はじめまして; a date, level or topic is a class
            # filter, so the message continues the talk, not greets.
            return await self._follow_up(turn, p)
        if all(s.intent in SMALLTALK for s in accepted) and top.score < UNKNOWN_WORDS_NEED and p.sense.found.unclaimed:
            # A greeting brushed by the sounds of other words (「年金の振込日は」: ふりこみびは, こんにちは)
            # is none: the content words no concept claims are what the message is about.
            return await self._last_resort(turn, p)
        if too_unknown(p, top):
            return await self._last_resort(turn, p)
        if top.intent.startswith("faq:") and (p.carrier or p.other_brand) and not about_classes(turn.state, accepted):
            # The FAQ is about the classes: next to a carrier's name and no class words, its
            # words ask about the carrier's business — 「ドコモの料金プラン」 is no class fee,
            # 「auショップは予約いる？」 no class booking —, which we cannot answer.
            return await self._unanswered(turn, p)
        if self._stray_word(p, top) and not about_classes(turn.state, accepted):
            return await self._stray(turn, p, accepted)
        return await self._decide(turn, p, accepted)

    def _stray_word(self, p: Parse, s) -> bool:
        """An FAQ word lost in a longer message (``stray``), unless it stands as a word of its
        own in a message that names no other topic and no noun the concepts do not claim:
        「無料って書いてあるけど、あとでお金を請求されたりしない？」 asks whether the classes are free;
        「病院の予約をしたい」 (病院), 「わしの年金、来年はなんぼ」 (年金) and 「スマホの料金プランを
        安くしたい」 (料金プラン, one word) do not ask of the classes."""
        if not stray(p, s):
            return False
        found = p.sense.found
        others = found.topics - meaning_rules.GENERIC - meaning_rules.CLASS_WORDS - self._class_worries
        if p.unknown or found.own_words or others or not has_kanji(p.text):
            return True  # a message in kana alone has guessed words (わくちん → 枠 + ちん)
        return not self.understanding.stands_alone(p, s)

    async def _stray(self, turn: Turn, p: Parse, accepted: list) -> list[Reply]:
        """「予約」 is the classes' booking only when the talk is about classes."""
        accepted = [s for s in accepted if not self._stray_word(p, s)]
        if accepted:
            return await self._decide(turn, p, accepted)
        if p.cities and not (p.when or p.level or p.topic or p.carrier):
            # 「下関の病院を予約したい」: the message asks something of a place, in words that are
            # ours only out of context; it is not a bare place name to follow up.
            return await self._unanswered(turn, p)
        return await self._follow_up(turn, p)

    async def _decide(self, turn: Turn, p: Parse, accepted: list) -> list[Reply]:
        """The best match, unless the message says which of two (``prefer``), the words settle a
        close call, or the call stays close and the resident is asked."""
        top = accepted[0]
        preferred = meaning_rules.shops_or_classes(p, accepted, MARGIN) or prefer(p, accepted)
        if preferred:
            return await self._run(turn, preferred, p)
        classes = about_classes(turn.state, accepted)
        close = [
            s
            for s in accepted[1:]
            if s.score >= top.score - MARGIN
            and rivals(top, s, p, self._group_of)
            and (classes or not self._stray_word(p, s))  # 「保育園の利用申込」 is no class booking
        ]
        ids = [top.intent, *(s.intent for s in close)]
        settled = meaning_rules.settled_by_words(p, ids) or meaning_rules.city_procedures(p, ids)
        if settled:
            return await self._run(turn, settled, p)
        if close:
            self._remember(turn, p)
            return smalltalk.clarify(turn, [self._choice(turn, s.intent) for s in [top, *close][:4]])
        return await self._run(turn, top.intent, p)

    def _by_meaning(self, turn: Turn, p: Parse, top):
        """What the meaning of the message points to (``bot.dialogue.meaning_rules``): an aspect
        of the last procedure, a request, a worry, a class on a topic, a life event. The
        answer's coroutine, or None when the meaning settles nothing."""
        rules = (
            self._aspect_of_last,
            self._other_procedures,
            self._where_of_shops,
            self._request_or_worry,
            self._class_on_topic,
            self._life_event,
            self._declared_procedure,
        )
        for rule in rules:
            answer = rule(turn, p, top)
            if answer is not None:
                return answer
        return None

    def _last_procedure(self, state: ConversationState):
        """The procedure the last answer was about (a group's list counts as its first one)."""
        kind, _, key = (state.topic or "").partition(":")
        if kind == "proc":
            return self.knowledge.procedure(key)
        if kind == "group":
            return next((p for p in self.knowledge.procedures.procedures if p.group == key), None)
        return None

    def _aspect_of_last(self, turn: Turn, p: Parse, top):
        proc = self._last_procedure(turn.state)
        if proc is None or (
            top is not None and top.score >= meaning_rules.CONFIDENT and not top.intent.startswith("faq:")
        ):
            return None
        meaning = self.understanding.meaning
        # What the answer itself speaks of (the card's PINs of 転出届), who asks and how they feel
        # (neutral: 母, 耳が遠い, stuck) name no other topic.
        about = set(proc.concepts) | meaning.said_in(proc) | meaning.index.neutral
        aspect = meaning_rules.asked_aspect(p, about)
        if aspect is None:
            words = self._telling_words(p)
            aspect = meaning_rules.detail_asked(p, lambda lemmas: meaning.section_with(proc, lemmas), words, about)
        return _ready(procedures.procedure_aspect_reply(turn, proc.id, aspect, p.city)) if aspect else None

    def _other_procedures(self, turn: Turn, p: Parse, top):
        """Right after a procedure's answer, the other ones and nothing else named (「ほかにどんな
        手続きがある？」) are its group's, as its button ほかの手続き offers."""
        proc = self._last_procedure(turn.state)
        found = p.sense.found
        if proc is None or "other" not in found.direct or p.has_entities or p.when or p.unknown:
            return None
        if found.topics - {"other"} - meaning_rules.GENERIC or (
            top is not None and top.score >= meaning_rules.CONFIDENT
        ):
            return None
        return self._run(turn, f"group:{proc.group}", p)

    def _telling_words(self, p: Parse) -> list[str]:
        """The lemmas of the message's content words, without those that only say it is a
        procedure (出す, 申請: 「案内が来たら出すん？」 is about the notice)."""
        index = self.understanding.meaning.index
        return [
            w.lemma
            for w in self.understanding.meaning.analyser.words(p.text)
            if w.content and w.lemma not in index.ignored and index.concept_of(w.lemma) != "procedure"
        ]

    def _where_of_shops(self, turn: Turn, p: Parse, top):
        """Right after a shop answer, where they are (「住所は？」「電話番号は？」) and nothing else
        is that answer again: the shops it listed, with their addresses and numbers."""
        if turn.state.topic != "shops" or p.sense.aspects != {"where"} or p.has_entities or p.when or p.unknown:
            return None
        if p.sense.found.topics - meaning_rules.GENERIC - self.understanding.meaning.index.neutral:
            return None
        if top is not None and top.score >= meaning_rules.CONFIDENT:
            return None
        return self._run(turn, "shops", p, follow_up=True)

    def _request_or_worry(self, turn: Turn, p: Parse, top):
        request = meaning_rules.requested(p)
        if request is None and turn.state.topic == "subscribe" and meaning_rules.stops_it(p):
            request = "unsubscribe"
        if request and (top is None or top.score < 100 or top.intent in (*PLACE_INTENTS, request)):
            # Words that ask it done are the request, whatever else matched; right after a search
            # in a city (「新しいのが出たら教えて」) it is that city's news.
            return self._run(turn, request, p, follow_up=turn.state.topic in PLACE_INTENTS)
        talking = about_classes(turn.state, [s for s in p.intents if s.score >= ACCEPT])
        neutral = self.understanding.meaning.index.neutral
        # Right after a class list, a level filters it ("Any for beginners?"): no worry.
        searching = turn.state.topic == "classes" and bool(p.level)
        declared = self._declared
        if meaning_rules.learning(p) and p.topic:
            # A class asked for on a topic names what it teaches: the mail of 「詐欺メールの見分け方を
            # 教えてくれる教室」 is no way to contact anyone; the classes' own worries still are.
            declared = {k: v for k, v in declared.items() if k.startswith("faq:")}
        worry = None if searching else meaning_rules.worry(p, declared, self._contextual, talking, neutral)
        if worry and (top is None or top.score < meaning_rules.CONFIDENT or top.intent in (*PLACE_INTENTS, worry)):
            return self._run(turn, worry, p)
        return None

    def _class_on_topic(self, turn: Turn, p: Parse, top):
        if "lesson" not in p.sense.found.direct:
            return self._phone_use(turn, p, top)
        if p.topic and not self._confident_procedure(p, top):
            # 「マイナンバーカードの申請を教えてくれる講座」, 「確定申告をスマホで…教わる場所は」:
            # a class on that topic, not the procedure.
            return self._run(turn, "classes", p)
        if top is None and not self._besides_classes(p) and not p.unknown:
            # 「長門でスマホの使い方を習いたいんですけど」: learning, and nothing else named.
            return self._run(turn, "classes", p)
        return None

    def _phone_use(self, turn: Turn, p: Parse, top):
        """How to use the phone (the menu's 「使い方」 said of a smartphone, which ``not_the_menu``
        keeps from the menu), or not knowing how (concept trouble: わからん) said of it, and nothing
        else named: 「スマホの使い方がわからんけえ、誰か教えてくれんかのう」, 「電話の取り方もわからんの
        です」 are what the classes teach."""
        best = p.intents[0] if p.intents else None
        menu = best is not None and best.intent == "menu" and best.score >= ACCEPT
        if top is not None or not (menu or "trouble" in p.sense.found.direct) or p.unknown:
            return None
        said = p.sense.found.topics - p.sense.found.implied - self.understanding.meaning.index.neutral
        if "smartphone" not in said or self._besides_classes(p):
            return None
        return self._run(turn, "classes", p)

    def _besides_classes(self, p: Parse) -> set[str]:
        """The topics a message names beside the classes' own words. A concept only implied (the
        child of 孫) names none, nor do who asks (a son who gave the phone, an age) and the neutral ones."""
        said = p.sense.found.topics - p.sense.found.implied
        return said - meaning_rules.CLASS_WORDS - meaning_rules.WHO - self.understanding.meaning.index.neutral

    @staticmethod
    def _confident_procedure(p: Parse, top) -> bool:
        """A procedure matched well and ahead of any class match: the message asks that."""
        if top is None or not top.intent.startswith(("proc:", "group:")) or top.score < meaning_rules.CONFIDENT:
            return False
        return not any(s.intent == "classes" and s.score >= top.score - MARGIN for s in p.intents)

    def _life_event(self, turn: Turn, p: Parse, top):
        event = meaning_rules.life_event(p, top)
        if event is None:
            return None
        fits = meaning_rules.declared_match(p, self._procedure_concepts)
        if len(fits) != 1 and meaning_rules.names_procedure(p, top, event, self._procedure_concepts):
            return None
        picked = fits[0] if len(fits) == 1 else meaning_rules.event_choice(p, event)
        if picked:
            return self._run(turn, picked, p)
        turn.state.clear_pending()
        return _ready(procedures.life_event_reply(turn, event, [f[5:] for f in fits] if len(fits) > 1 else None))

    def _declared_procedure(self, turn: Turn, p: Parse, top):
        """A procedure matched by characters, short of confident, while the message's concepts are
        all another procedure's alone (``declared_match``): 「要介護の認定を受けちょるんじゃけど、
        更新は」 says renewal, which the certification itself does not declare."""
        if top is None or not top.intent.startswith("proc:") or top.score >= meaning_rules.CONFIDENT:
            return None
        fits = meaning_rules.declared_match(p, self._procedure_concepts)
        if len(fits) != 1 or fits[0] == top.intent:
            return None
        return self._run(turn, fits[0], p)

    async def _last_resort(self, turn: Turn, p: Parse) -> list[Reply]:
        """Character matching found nothing: answers whose whole text holds the message's words
        (retrieval), else the honest "I can't answer"."""
        fits = meaning_rules.declared_match(p, self._procedure_concepts)
        if len(fits) == 1:
            # 「母の要介護認定の期限がもうすぐ切れる」: care, certification and renewal are what
            # one procedure declares.
            return await self._run(turn, fits[0], p)
        found = meaning_rules.retrieved(p, self.understanding.meaning.index.firm(p.sense.found))
        if len(found) == 1:
            return await self._run(turn, found[0], p)
        if found:
            return smalltalk.clarify(turn, [self._choice(turn, intent) for intent in found])
        return await self._unanswered(turn, p)

    def _inherit_asked(self, turn: Turn, p: Parse) -> None:
        """The answer to "which city?" keeps what the question before it said: 「明日の教室」 →
        「宇部です」 lists tomorrow's classes in Ube."""
        asked = turn.state.pending_text
        if not asked:
            return
        before = self.understanding.parse(asked, turn.now.date())
        p.when = p.when or before.when
        p.level = p.level or before.level
        p.topic = p.topic or before.topic
        p.carrier = p.carrier or before.carrier

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
            return await self._last_resort(turn, p)
        topic = state.topic if state.topic in PLACE_INTENTS else None
        if topic is None and (state.topic or "").startswith("faq:") and (p.cities or p.when or p.level):
            # Right after an answer about the classes (the FAQ), a place or a date continues
            # with the classes there: 「スマホ教室に申し込みたい」 → 「山口市の湯田の近く」.
            topic = "classes"
        if topic is None:
            topic = self._bare_topic(p)
            if callable(topic):
                return await topic(turn, p)
        if topic is None or p.unknown or not (p.has_entities or p.when or p.level or p.topic):
            return await self._last_resort(turn, p)
        return await self._run(turn, topic, p, follow_up=True)

    def _bare_topic(self, p: Parse):
        """What a date, level, carrier or place said with no topic before it starts: a topic, or
        the coroutine function of the reply when it answers otherwise; None: nothing."""
        if p.when or p.level:
            # 「今月の携帯代が高すぎる」: a date in a message about something else is no class
            # search; 「来週のは？」 is.
            return self._unanswered if self._says_more(p) else "classes"
        if p.carrier:
            return "shops"
        if p.cities:
            # 「萩の病院の電話番号を教えて」 asks something of the place in words we do not answer;
            # 「萩」 or 「萩です」 is a bare place name, asked what about it.
            return self._unanswered if len(p.scoring) >= ASKS_MORE_THAN_PLACE else _what_about_city
        if p.elsewhere:
            return _elsewhere
        return None

    def _says_more(self, p: Parse) -> bool:
        """The message names a topic (other than the classes' own) or words beyond a class search's
        filters (a date, a level, a place): 「今月の携帯代が高すぎる」, "Which hospital is open on Sunday in Ube?"."""
        others = (
            self._besides_classes(p) - self._class_worries
        )  # 「80歳ですが…習えるところは」: the classes' own worries
        return bool(others or self.understanding.beyond_filters(p))

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
        """The label and data of a button that offers ``intent``."""
        kind, _, key = intent.partition(":")
        label = None
        if kind == "proc":
            proc = self.knowledge.procedure(key)
            label = proc.short.get(turn.lang) if proc else None
        elif kind == "faq":
            label = next((f.label.get(turn.lang) for f in self.knowledge.programme.faq if f.id == key), None)
        elif kind == "group":
            label = next((g.label.get(turn.lang) for g in self.knowledge.procedures.groups if g.id == key), None)
        return label or turn.t(registry.label(intent)), Action.answer(intent).encode()

    # -- running an intent ------------------------------------------------------------

    async def _run(self, turn: Turn, intent: str, p: Parse | None = None, follow_up: bool = False) -> list[Reply]:
        replies = await registry.run(intent, turn, p or Parse(text="", lang=None, folded="", reading=""), follow_up)
        return replies if replies is not None else smalltalk.unknown_button(turn)

    async def _postback(self, turn: Turn, data: str) -> list[Reply]:
        """Route a button's data (``bot.dialogue.actions`` has its forms); data the bot never
        offers, or naming a municipality it does not know, gets the "button no longer works" reply."""
        action = Action.parse(data)
        if action is None or not postbacks.known(action, self.knowledge):
            return smalltalk.unknown_button(turn)
        route = self._postbacks.get(action.kind)
        if route is None:
            return smalltalk.unknown_button(turn)
        if action.kind in CITY_ACTIONS and not (action.arg == "*" and action.kind == "unsub"):
            name = cities.official_name(self.knowledge, self.understanding, action.arg, turn.now.date())
            if name is None:  # a typed name (``/subscribe 宇部``) is read as the understanding reads it
                return smalltalk.unknown_button(turn)
            action = replace(action, arg=name)
        return await route(turn, action) or smalltalk.unknown_button(turn)

    def _postback_routes(self) -> dict:
        async def intent(turn: Turn, a: Action):
            turn.state.clear_pending()
            return await self._run(turn, a.arg)

        async def pick(turn: Turn, a: Action):
            return await self._run(turn, a.arg, follow_up=True)

        async def answer(turn: Turn, a: Action):
            return await self._run(turn, a.encode())

        async def city(turn: Turn, a: Action):
            state = turn.state
            if state.pending == "city" and state.pending_intent in (*PLACE_INTENTS, "subscribe"):
                p = Parse(text="", lang=None, folded="", reading="", cities=[a.arg])
                self._inherit_asked(turn, p)
                return await self._run(turn, state.pending_intent, p, follow_up=True)
            return smalltalk.city_what(turn, a.arg)

        async def shop_list(turn: Turn, a: Action):
            return shops.shops_reply(turn, a.arg, None)

        async def class_list(turn: Turn, a: Action):
            level, topic = a.filter()
            return await classes.classes_reply(turn, [a.arg], level=level, topic=topic)

        async def unsub(turn: Turn, a: Action):
            everything = a.arg == "*"
            return await subscriptions.unsubscribe(turn, None if everything else a.arg, everything=everything)

        async def forget(turn: Turn, a: Action):
            return await subscriptions.forget(turn, a.arg == "yes") if a.arg in ("yes", "no") else None

        async def remind(turn: Turn, a: Action):
            return await reminders.remind(turn, f"cancel:{a.arg}" if a.option == "cancel" else a.arg)

        async def lang(turn: Turn, a: Action):
            return smalltalk.switch_language(turn, a.arg) if languages.known(a.arg) else None

        async def menu(turn: Turn, a: Action):
            return smalltalk.menu(turn)

        async def sub(turn: Turn, a: Action):
            return await subscriptions.subscribe(turn, a.arg)

        return {
            "menu": menu,
            "intent": intent,
            "pick": pick,
            "proc": answer,
            "group": answer,
            "faq": answer,
            "city": city,
            "shops": shop_list,
            "classes": class_list,
            "sub": sub,
            "unsub": unsub,
            "forget": forget,
            "remind": remind,
            "lang": lang,
        }


async def _ready(replies):
    return replies


async def _what_about_city(turn: Turn, p: Parse) -> list[Reply]:
    return smalltalk.city_what(turn, p.cities[0])


async def _elsewhere(turn: Turn, p: Parse) -> list[Reply]:
    return smalltalk.elsewhere(turn, p.elsewhere)


def _after_silence(state: ConversationState, now: datetime) -> None:
    """An hour or more since the last turn: what a search inherited (carrier, level, topic) goes."""
    try:
        last = datetime.fromisoformat(state.last_at) if state.last_at else None
    except (TypeError, ValueError):
        last = None
    if last is None or last.tzinfo is None or now - last >= SILENCE_CLEARS:
        state.clear_filters()
