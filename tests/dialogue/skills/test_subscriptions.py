"""Subscriptions asked in words: seeing one's news lists it and stops nothing; stopping stops it."""

from bot.messages import IncomingMessage
from tests.support.conversations import visible


async def say(app, text, user="u", **kw):
    return await app.engine.handle(IncomingMessage(user, text=text, **kw))


async def test_asking_to_see_the_only_subscription_lists_it_and_keeps_it(app):
    await say(app, "宇部の教室のお知らせを登録して")
    for asked in ("登録の確認", "登録を見たい", "今なにを登録しちょるか確認したい"):
        replies = await say(app, asked)
        assert "宇部市" in visible(replies), asked
        subs = await app.engine.services.residents.subscriptions("u")
        assert [s.municipality for s in subs] == ["宇部市"], asked
    # Each stop is a button of the list, not an action taken.
    assert any(b.data == "unsub:宇部市" for r in replies for b in r.buttons)


async def test_my_subscriptions_in_english_lists_them(app):
    await say(app, "Please send me class news for Hofu", lang="en")
    replies = await say(app, "Can I see my subscriptions?", lang="en")
    assert "Hofu" in visible(replies)
    assert [s.municipality for s in await app.engine.services.residents.subscriptions("u")] == ["防府市"]


async def test_asking_to_stop_the_only_subscription_still_stops_it(app):
    await say(app, "周南のお知らせを登録して")
    await say(app, "もうお知らせはいらんけえ止めて")
    assert await app.engine.services.residents.subscriptions("u") == []
