"""The engine end to end: buttons, numbers, pending questions, errors, languages."""

import dataclasses
from datetime import timedelta

from bot.messages import IncomingMessage, Location
from bot.store.classes import ClassQuery, ClassStore
from tests.support.conversations import visible


async def say(app, text, user="u", **kw):
    return await app.engine.handle(IncomingMessage(user, text=text, **kw))


async def press(app, data, user="u"):
    return await app.engine.handle(IncomingMessage(user, postback=data))


async def test_pending_city_answered_by_a_button(app):
    replies = await say(app, "ドコモショップはどこ？")
    hofu = next(b for r in replies for b in r.buttons if b.label == "防府市")
    replies = await press(app, hofu.data)
    assert "0120-244-902" in visible(replies)
    assert "0835-25-0880" not in visible(replies)  # SoftBank: the carrier was kept


async def test_typing_a_button_number_presses_it(app):
    replies = await say(app, "メニュー")
    labels = [b.label for b in replies[-1].buttons]
    assert labels[1] == "ショップをさがす"
    replies = await say(app, "2")
    assert "市町" in visible(replies)


async def test_a_number_with_no_buttons_is_not_a_shop(app):
    replies = await say(app, "12345", user="fresh")
    assert "0120" not in visible(replies)


async def test_unknown_and_forged_postbacks_are_refused_politely(app):
    for data in ["nonsense", "proc:no-such-thing", "city:東京都", "classes:", "", "group:../../etc"]:
        replies = await press(app, data)
        assert "使えなくなりました" in visible(replies), data


async def test_procedure_button_and_group_button(app):
    replies = await press(app, "group:child_allowance")
    text = visible(replies)
    assert "児童手当等の受給資格及び児童手当の額についての認定請求" in text
    first = replies[0].buttons[0]
    replies = await press(app, first.data)
    assert "マイナポータル" in visible(replies)
    assert any(link.url == "https://myna.go.jp/" for r in replies for link in r.links)


async def test_location_gives_nearest_shops_nearest_first(app):
    replies = await app.engine.handle(IncomingMessage("u", location=Location(34.05, 131.56)))  # 防府
    text = replies[0].text
    assert text.index("防府") < text.index("宇部") if "宇部" in text else "防府" in text


async def test_english_is_answered_in_english_and_remembered(app):
    replies = await say(app, "Where is the docomo shop in Ube?")
    assert "0120-173-053" in visible(replies) and "Toll-free" in visible(replies)
    replies = await press(app, "menu")
    assert "Find a class" in visible(replies)


async def test_explicit_lang_wins(app):
    replies = await say(app, "宇部のドコモ", lang="en")
    assert "Phone 0120-173-053" in visible(replies)


async def test_every_shop_has_a_map_link_and_a_phone_link(app):
    replies = await say(app, "宇部のショップ")
    links = [link.url for r in replies for link in r.links]
    assert sum(u.startswith("https://www.google.com/maps/search/") for u in links) == 4
    assert "tel:0120173053" in links


async def test_a_failure_inside_becomes_a_polite_reply(app, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.engine.understanding, "parse", boom)
    replies = await say(app, "宇部のドコモ")
    text = visible(replies)
    assert "うまく処理できませんでした" in text
    assert "disk on fire" not in text and "Traceback" not in text


async def test_state_survives_a_restart(db_target, clock, knowledge, understanding):
    from bot.app import open_app

    db = db_target
    app = await open_app(db, demo=True, clock=clock, knowledge=knowledge, understanding=understanding)
    await say(app, "ドコモショップ")
    await app.close()
    app = await open_app(db, clock=clock, knowledge=knowledge, understanding=understanding)
    try:
        assert "0120-244-902" in visible(await say(app, "防府"))
    finally:
        await app.close()


async def test_classes_for_a_city_with_date_and_level(app):
    replies = await say(app, "来週 宇部の初心者向けの教室")
    text = visible(replies)
    assert "入門" in text and "【基本編】" not in text
    assert "12月" in text  # next week from Thu 26 Nov is 30 Nov – 6 Dec
    assert "サンプル" in text


async def test_city_without_shops_points_to_the_nearest(app):
    text = visible(await say(app, "柳井のショップ"))
    assert "ありません" in text
    assert text.index("光") < text.index("岩国") if "岩国" in text else "光" in text


async def test_stickers_get_the_gentle_reply_in_the_residents_language(app):
    await say(app, "English please", user="st")
    text = visible(await press(app, "intent:unsupported", user="st"))
    assert "Sorry, please type your question or use the buttons" in text
    assert "Find a class" in text


async def test_a_choice_is_read_in_the_context_of_the_choices_offered(app):
    """「はじめての申請です」 alone brushes the greeting 「はじめまして」; right after the
    care-certification procedures were offered, it picks the first application."""
    fresh = await say(app, "はじめての申請です", user="fresh")
    assert "要介護・要支援認定の申請" not in visible(fresh)
    await say(app, "介護認定", user="ctx")
    replies = await say(app, "はじめての申請です", user="ctx")
    assert "要介護・要支援認定の申請" in visible(replies)
    assert "要介護・要支援更新認定の申請" not in visible(replies)


async def test_the_choices_do_not_capture_a_new_question(app):
    await say(app, "介護認定")
    replies = await say(app, "宇部のスマホ教室")
    assert "0800-700-2497" in visible(replies) or "0120-173-053" in visible(replies)


async def test_a_numbered_button_said_as_ban(app):
    """「2番」 presses the second button, as 「2」 does."""
    from bot.messages import IncomingMessage

    await app.engine.handle(IncomingMessage("t:ban", text="介護の手続き"))
    replies = await app.engine.handle(IncomingMessage("t:ban", text="2番"))
    assert "介護保険負担割合証の再交付申請" in replies[0].text


async def test_a_group_is_no_close_call_with_its_own_procedures(app):
    from bot.messages import IncomingMessage

    replies = await app.engine.handle(IncomingMessage("t:group", text="児童手当の手続き"))
    assert "児童手当等の現況届" in replies[0].text


async def test_a_city_beside_subscription_words_subscribes_to_that_city(app):
    replies = await say(app, "宇部の教室のお知らせがほしい", user="sub")
    assert "宇部市のスマホ教室のお知らせを登録しました" in visible(replies)
    replies = await say(app, "もう通知はいらん", user="sub")
    assert "やめました" in visible(replies)


async def test_class_fee_words_beside_a_carrier_are_not_the_class_fee(app):
    replies = await say(app, "ドコモの料金プランを教えて", user="plan")
    assert "お答えできません" in visible(replies) and "参加費" not in visible(replies)
    replies = await say(app, "スマホ教室ってお金かかる？", user="plan")
    assert "無料" in visible(replies)  # the class fee is still answered


async def test_after_a_shop_answer_the_phone_number_is_the_shops(app):
    await say(app, "宇部のソフトバンク", user="tel")
    replies = await say(app, "電話番号だけ教えて", user="tel")
    assert "0836-36-2253" in visible(replies)


async def test_a_place_with_a_question_we_do_not_answer_is_not_a_bare_place(app):
    assert "お答えできません" in visible(await say(app, "萩の病院の電話番号を教えて", user="p1"))
    assert "萩市の何をおさがしですか" in visible(await say(app, "萩", user="p2"))


async def test_the_part_of_the_day_is_said_in_english_too(app):
    reply = visible(await say(app, "宇部の教室 午後", lang="en"))
    assert "starting at 12:00 or later" in reply
    assert "10:30–" not in reply and "13:00–" in reply


async def test_a_turn_that_fails_saves_nothing(app, monkeypatch):
    await say(app, "宇部のスマホ教室", user="fails")
    before = await app.engine.conversations.load("fails")
    saved = dict(before, buttons=[list(b) for b in before["buttons"]])

    async def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.engine.services.classes, "search", boom)
    assert "うまく処理できませんでした" in visible(await say(app, "山口の入門の教室", user="fails"))
    assert await app.engine.conversations.load("fails") == saved
    monkeypatch.undo()
    assert "宇部" in visible(await say(app, "来週は？", user="fails"))


async def test_the_whole_prefecture_is_this_prefecture_in_a_database_of_several(app, clock):
    store = ClassStore(app.db)
    window = dict(now=clock(), until=clock().date() + timedelta(days=28))
    (first,), _ = await store.search(ClassQuery(**window, prefecture="山口県", limit=1))
    elsewhere = dataclasses.replace(
        first, prefecture="福岡県", municipality="福岡市", venue="", title="福岡の教室", id=None
    )
    await store.upsert_many([elsewhere])
    everywhere, _ = await store.search(ClassQuery(**window))
    assert everywhere[0].title == "福岡の教室"  # without the prefecture it would come first
    text = visible(await say(app, "山口県全体のスマホ教室"))
    assert first.title in text and "福岡の教室" not in text
    # nothing matches: the relaxed search is this prefecture's too
    text = visible(await say(app, "山口県の地図の使い方の教室", user="r"))
    assert "見つかりませんでした" in text and first.title in text and "福岡の教室" not in text
