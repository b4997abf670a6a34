"""The resident web chat: greeting with buttons, answers over JSON and plain form posts,
tappable phone numbers, CSRF, hostile input."""

from __future__ import annotations

from tests.support.web import csrf_of


async def test_chat_greets_with_buttons(client):
    page = await client.get("/chat")
    html = await page.text()
    assert page.status == 200 and 'data-postback="' in html and 'lang="ja"' in html and 'aria-live="polite"' in html
    assert any(c.startswith("madoguchi_chat=") and "HttpOnly" in c for c in page.headers.getall("Set-Cookie"))


async def test_a_question_gets_the_answer_with_a_phone_link(client):
    html = await (await client.get("/chat")).text()
    answer = await client.post("/chat/say", json={"text": "宇部のドコモ"}, headers={"X-CSRF-Token": csrf_of(html)})
    replies = (await answer.json())["replies"]
    assert answer.status == 200 and any(p.get("tel") for r in replies for p in r["parts"])
    assert "フジグラン宇部" in "".join(p["text"] for r in replies for p in r["parts"])


async def test_the_form_post_works_without_javascript(client):
    html = await (await client.get("/chat")).text()
    page = await client.post("/chat", data={"csrf": csrf_of(html), "text": "宇部のスマホ教室"})
    text = await page.text()
    assert page.status == 200 and "宇部のスマホ教室" in text and 'class="bot"' in text


async def test_chat_needs_the_csrf_token_and_survives_hostile_input(client):
    await client.get("/chat")
    assert (await client.post("/chat/say", json={"text": "こんにちは"})).status == 403
    html = await (await client.get("/chat")).text()
    token = {"X-CSRF-Token": csrf_of(html)}
    for body in ([1, 2], {"text": 5}, {"text": "<script>alert(1)</script>" * 300}, {"postback": "\x00\x01"}):
        response = await client.post("/chat/say", json=body, headers=token)
        assert response.status in (200, 400) and "<script>" not in await response.text()
    bad = await client.post("/chat/say", data=b"{not json", headers={**token, "Content-Type": "application/json"})
    assert bad.status == 400
