"""Residents on Telegram, through PTB's real Application over the fake Bot API: /start,
Japanese and English text, buttons, locations, what the bot cannot read, the commands,
groups, flood control and edited messages."""

from __future__ import annotations

import re

import pytest

from bot.channels.telegram.adapter import user_key
from bot.channels.telegram.runner import register_commands
from bot.channels.telegram.settings import Limits
from bot.store.residents import ResidentStore

CHAT = 42


def buttons(call) -> list[dict]:
    return [b for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def all_buttons(calls) -> list[dict]:
    return [b for c in calls if c.method == "sendMessage" for b in buttons(c)]


async def test_start_greets_with_the_menu_as_inline_buttons(tg):
    calls = await tg.say(CHAT, "/start")
    (sent,) = [c for c in calls if c.method == "sendMessage"]
    assert sent.chat_id == CHAT
    assert "まどぐち" in sent.params["text"]
    labels = [b["text"] for b in buttons(sent)]
    assert "スマホ教室をさがす" in labels and "ショップをさがす" in labels
    # the core's welcome for a channel with buttons that can write first: one tap to
    # English, then the class-news offer
    assert labels[-2:] == ["English", "教室のお知らせを受け取る"]
    assert all("callback_data" in b for b in buttons(sent))
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    assert await tg.app.engine.conversations.load(user_key(CHAT))  # the conversation is kept


@pytest.mark.parametrize(
    "code, expect", [("vi", "Hello"), ("en", "こんにちは"), ("ja", "こんにちは"), (None, "こんにちは")]
)
async def test_start_language_from_the_app_language_of_a_new_resident(tg, code, expect):
    calls = await tg.send(tg.updates.command(CHAT, "start", language_code=code))
    assert tg.api.visible(calls).startswith(expect)


async def test_start_does_not_override_a_language_the_resident_chose(tg):
    await tg.press(CHAT, "lang:en")
    calls = await tg.send(tg.updates.command(CHAT, "start", language_code="ja"))
    assert tg.api.visible(calls).startswith("Hello")
    assert [b["text"] for b in all_buttons(calls)][-2:] == ["日本語 (Japanese)", "Get class news"]


async def test_japanese_text_gets_shops_with_map_buttons_and_phone_in_the_text(tg):
    calls = await tg.say(CHAT, "宇部のドコモ")
    (sent,) = [c for c in calls if c.method == "sendMessage"]
    text = sent.params["text"]
    assert "ドコモショップフジグラン宇部店" in text and "0120-173-053" in text
    urls = [b["url"] for b in buttons(sent) if "url" in b]
    assert urls and all(u.startswith("https://www.google.com/maps/") for u in urls)
    # Telegram rejects tel: buttons with 400; the number is in the text, tappable.
    assert not any(b.get("url", "").startswith("tel:") for b in buttons(sent))


async def test_english_text_gets_an_english_answer(tg):
    calls = await tg.say(CHAT, "Where is a docomo shop in Ube?")
    seen = tg.api.visible(calls)
    assert "docomo shops in Ube" in seen and "0120-173-053" in seen
    assert "です" not in seen


async def test_a_button_press_is_answered_so_the_spinner_stops(tg):
    calls = await tg.press(CHAT, "intent:shops")
    methods = [c.method for c in calls]
    assert methods[0] == "answerCallbackQuery"  # answered first, before the bot thinks
    assert calls[0].params["callback_query_id"].startswith("cq")
    assert "どちらの市町ですか" in tg.api.visible(calls)
    city_buttons = [b["callback_data"] for b in all_buttons(calls)]
    assert "city:宇部市" in city_buttons
    calls = await tg.press(CHAT, "city:宇部市")
    assert "宇部市の携帯ショップ" in tg.api.visible(calls)


async def test_a_stale_or_unknown_button_gets_the_cores_answer(tg):
    calls = await tg.press(CHAT, "~unknowntoken")
    assert "そのボタンは使えなくなりました" in tg.api.visible(calls)


async def test_long_button_data_travel_as_a_short_token(tg):
    data = "classes:山陽小野田市:topic=" + "マイナンバーカード" * 3
    token = tg.channel.callback.encode(data)
    assert len(token.encode()) <= 64 and token != data
    assert tg.channel.callback.decode(token) == data
    assert tg.channel.callback.encode("menu") == "menu"


async def test_a_shared_location_gets_the_nearest_shops_with_km_nearest_first(tg):
    calls = await tg.send(tg.updates.location(CHAT, 33.9516, 131.2467))  # near Ube station
    seen = tg.api.visible(calls)
    assert "お近くのショップ（近い順）" in seen
    km = [float(x) for x in re.findall(r"約([0-9.]+)km|およそ([0-9.]+)km", seen) for x in x if x]
    assert len(km) >= 2 and km == sorted(km)


async def test_a_venue_is_a_location(tg):
    calls = await tg.send(tg.updates.venue(CHAT, 34.0522, 131.5614))
    assert "お近くのショップ" in tg.api.visible(calls)


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document"])
async def test_what_the_bot_cannot_read_gets_a_gentle_please_type(tg, kind):
    calls = await tg.send(getattr(tg.updates, kind)(CHAT))
    seen = tg.api.visible(calls)
    assert "文字で書いていただくか、ボタンを押してください" in seen
    assert "スマホ教室をさがす" in seen  # with the menu buttons


async def test_please_type_in_english_for_an_english_speaker(tg):
    await tg.say(CHAT, "/lang en")
    calls = await tg.send(tg.updates.sticker(CHAT))
    assert "please type your question or use the buttons" in tg.api.visible(calls)


async def test_menu_help_and_an_unknown_command(tg):
    assert "ご案内できること" in tg.api.visible(await tg.say(CHAT, "/menu"))
    seen = tg.api.visible(await tg.say(CHAT, "/help"))
    assert "/forget" in seen and "/subscribe" in seen and "ご案内できること" in seen
    assert "使い方" in tg.api.visible(await tg.say(CHAT, "/whatever"))


async def test_lang_command_with_and_without_a_choice(tg):
    calls = await tg.say(CHAT, "/lang")  # the core's choice: every language but the one in use
    assert [b["callback_data"] for b in all_buttons(calls)] == ["lang:en", "lang:ja-easy"]
    assert "I will answer in English" in tg.api.visible(await tg.say(CHAT, "/lang english"))
    assert "Find a shop" in tg.api.visible(await tg.say(CHAT, "/menu"))
    assert "日本語でお答えします" in tg.api.visible(await tg.say(CHAT, "/lang 日本語"))
    await tg.say(CHAT, "/lang ja-easy")  # a language's code
    assert "ことばを えらんで ください" in tg.api.visible(await tg.say(CHAT, "/lang"))  # asked in やさしい日本語 now
    assert "I will answer in English" in tg.api.visible(await tg.say(CHAT, "/lang En"))


async def test_subscribe_and_unsubscribe_commands(tg):
    residents = ResidentStore(tg.app.db)
    calls = await tg.say(CHAT, "/subscribe 宇部")
    assert "宇部市のスマホ教室のお知らせを登録しました" in tg.api.visible(calls)
    await tg.say(CHAT, "/subscribe hofu")
    assert [s.municipality for s in await residents.subscriptions(user_key(CHAT))] == ["宇部市", "防府市"]
    calls = await tg.say(CHAT, "/subscribe")  # no city: the core asks which
    assert "どちらの市町ですか" in tg.api.visible(calls)
    calls = await tg.say(CHAT, "/unsubscribe 宇部市")
    assert "宇部市のお知らせをやめました" in tg.api.visible(calls)
    calls = await tg.say(CHAT, "/unsubscribe")
    assert "防府市のお知らせをやめました" in tg.api.visible(calls)
    assert await residents.subscriptions(user_key(CHAT)) == []


async def test_forget_deletes_everything_after_the_confirm_button(tg):
    residents = ResidentStore(tg.app.db)
    await tg.say(CHAT, "/subscribe 宇部市")
    calls = await tg.say(CHAT, "/forget")
    assert "すべて消します" in tg.api.visible(calls)
    assert [b["callback_data"] for b in all_buttons(calls)] == ["forget:yes", "forget:no"]
    assert await residents.subscriptions(user_key(CHAT))  # nothing deleted before the confirm
    calls = await tg.press(CHAT, "forget:yes")
    assert [c.method for c in calls][:2] == ["answerCallbackQuery", "editMessageReplyMarkup"]
    assert "すべて消しました" in tg.api.visible(calls)
    assert await residents.subscriptions(user_key(CHAT)) == []
    assert await tg.app.engine.conversations.load(user_key(CHAT)) == {}


async def test_forget_no_keeps_everything(tg):
    await tg.say(CHAT, "/subscribe 宇部市")
    await tg.say(CHAT, "/forget")
    calls = await tg.press(CHAT, "forget:no")
    assert "消さずにそのままにしました" in tg.api.visible(calls)
    assert await ResidentStore(tg.app.db).subscriptions(user_key(CHAT))


async def test_the_command_menu_is_registered_in_japanese_and_english(tg):
    await register_commands(tg.application)
    calls = tg.api.of("setMyCommands")
    assert len(calls) == 3
    by_lang = {
        c.params.get("language_code"): {x["command"]: x["description"] for x in c.params["commands"]} for c in calls
    }
    expected = {"start", "menu", "help", "lang", "subscribe", "unsubscribe", "forget"}
    assert set(by_lang) == {None, "ja", "en"}
    assert all(set(commands) == expected for commands in by_lang.values())
    assert by_lang["ja"]["forget"] == "保存されたあなたの情報を消す"
    assert by_lang["en"]["forget"] == "Delete everything stored about me"


# --- groups ------------------------------------------------------------------------------

GROUP = -1001234


async def test_a_group_message_not_for_the_bot_is_ignored(tg):
    assert await tg.say(GROUP, "宇部のドコモってどこだっけ", user_id=77) == []
    assert await tg.send(tg.updates.sticker(GROUP, user_id=77)) == []


async def test_a_group_message_that_mentions_the_bot_is_answered_in_reply(tg):
    calls = await tg.say(GROUP, f"@{tg.updates.bot_username} 宇部のドコモ", user_id=77)
    (sent,) = [c for c in calls if c.method == "sendMessage"]
    assert "ドコモショップフジグラン宇部店" in sent.params["text"]
    assert sent.params["reply_parameters"]["message_id"]  # quotes the question in the group


async def test_a_reply_to_the_bot_in_a_group_is_answered(tg):
    calls = await tg.say(GROUP, "宇部のドコモ", user_id=77, reply_to_bot=True)
    assert "ドコモショップ" in tg.api.visible(calls)


async def test_a_command_for_another_bot_is_ignored(tg):
    assert await tg.say(GROUP, "/start@some_other_bot", user_id=77) == []
    assert "まどぐち" in tg.api.visible(await tg.say(GROUP, f"/start@{tg.updates.bot_username}", user_id=77))


async def test_added_to_a_group_the_bot_says_how_to_address_it(tg):
    calls = await tg.send(tg.updates.my_chat_member(GROUP, "left", "member", user_id=77))
    seen = tg.api.visible(calls)
    assert f"@{tg.updates.bot_username}" in seen and "直接メッセージ" in seen


# --- flood control, edits, other bots ----------------------------------------------------


async def test_a_flood_gets_one_calm_notice_then_silence_until_they_slow_down(make_tg):
    # Replies unpaced, so that virtual time stands still while the resident types.
    tg = await make_tg(Limits(chat_per_second=None))
    for _ in range(20):
        assert tg.api.visible(await tg.say(CHAT, "こんにちは"))
    calls = await tg.say(CHAT, "こんにちは")  # the 21st within 10 seconds
    assert len(calls) == 1 and "少し時間をおいてから" in calls[0].params["text"]
    for _ in range(5):
        assert await tg.say(CHAT, "こんにちは") == []
        assert [c.method for c in await tg.press(CHAT, "menu")] == ["answerCallbackQuery"]  # spinner stops
    assert await tg.say(99, "こんにちは")  # someone else is unaffected
    tg.time.advance(10.5)
    assert "こんにちは" in tg.api.visible(await tg.say(CHAT, "こんにちは"))
    assert tg.channel.stats["flood"] == 1


async def test_edited_messages_and_other_bots_are_not_answered(tg):
    assert await tg.send(tg.updates.text(CHAT, "宇部のドコモ", edited=True)) == []
    assert await tg.send(tg.updates.text(CHAT, "宇部のドコモ", is_bot=True)) == []


async def test_a_residents_messages_are_answered_in_order(tg):
    import asyncio

    from telegram import Update

    texts = ["宇部のドコモ", "防府のau", "ありがとう"]
    updates = [Update.de_json(tg.updates.text(CHAT, t), tg.application.bot) for t in texts]
    await asyncio.gather(*(tg.application.process_update(u) for u in updates))
    tg.check()
    sent = tg.api.texts(CHAT)
    assert "宇部" in sent[0] and "防府" in sent[1] and "どういたしまして" in sent[2]
