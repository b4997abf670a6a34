"""The shop listing screen: a form edit refused by field and line, then saved atomically and
served at once by the live bot; the YAML editor; history and revert; stale pages refused."""

from __future__ import annotations

from bot.messages import IncomingMessage
from bot.store.audit import AuditLog
from bot.store.shop_edits import ShopEdits
from tests.support.web import csrf_of, login

SHOP = "docomo-fujigrand-ube"


async def form_of_shop(client, shop_id: str = SHOP) -> dict:
    import re

    html = await (await client.get(f"/shops/edit/{shop_id}")).text()
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    values["municipality"] = "宇部市"
    values["holds_classes"] = "1"
    return values


async def ask(console, text: str) -> str:
    replies = await console.bot.engine.handle(IncomingMessage("console:shop-check", text=text))
    return "\n".join(r.text for r in replies)


async def test_an_invalid_phone_is_refused_by_field_and_line_and_a_fix_is_served(client, console):
    await login(client, "cli:support")
    before = console.bot.shops_file.read_text(encoding="utf-8")
    form = await form_of_shop(client)
    refused = await client.post(f"/shops/edit/{SHOP}", data={**form, "phone": "0836-12"})
    html = await refused.text()
    assert refused.status == 400 and "行目" in html and 'id="e-phone"' in html and "保存していません" in html
    assert console.bot.shops_file.read_text(encoding="utf-8") == before
    saved = await client.post(f"/shops/edit/{SHOP}", data={**form, "phone": "0836-99-1234"}, allow_redirects=False)
    assert saved.status == 302
    text = console.bot.shops_file.read_text(encoding="utf-8")
    assert '"0836-99-1234"' in text and text.count("\n") == before.count("\n") and "# shops.yaml" in text
    assert "0836-99-1234" in await ask(console, "宇部のドコモ")
    (edit,) = await ShopEdits(console.db).latest()
    assert edit.actor == "cli:support" and f"{SHOP}.phone" in edit.summary and "0836-99-1234" in edit.summary
    outcomes = [e["outcome"] for e in await AuditLog(console.db).entries() if e["action"] == "shops.edit"]
    assert outcomes[0].startswith("saved") and outcomes[1].startswith("refused")


async def test_revert_puts_the_listing_back(client, console):
    await login(client, "cli:support")
    before = console.bot.shops_file.read_text(encoding="utf-8")
    form = await form_of_shop(client)
    await client.post(f"/shops/edit/{SHOP}", data={**form, "phone": "0836-99-1234"})
    history = await (await client.get("/shops/history")).text()
    (edit,) = await ShopEdits(console.db).latest()
    assert f"#{edit.id}" in history
    diff = await (await client.get(f"/shops/history/{edit.id}")).text()
    assert "0836-99-1234" in diff
    await client.post(f"/shops/history/{edit.id}/revert", data={"csrf": csrf_of(history)})
    assert console.bot.shops_file.read_text(encoding="utf-8") == before
    assert "0836-99-1234" not in await ask(console, "宇部のドコモ")


async def test_the_yaml_editor_names_the_line(client, console):
    await login(client, "cli:support")
    html = await (await client.get("/shops/yaml")).text()
    import html as html_lib
    import re

    text = html_lib.unescape(
        re.search(
            r'<textarea id="yaml" name="text" class="yaml" spellcheck="false">(.*?)</textarea>', html, re.DOTALL
        ).group(1)
    )
    base = re.search(r'name="base" value="([^"]+)"', html).group(1)
    broken = text.replace('phone: "0120-223-615"', 'phone: "not a phone"', 1)
    line = broken.split("\n").index('    phone: "not a phone"') + 1
    refused = await client.post("/shops/yaml", data={"csrf": csrf_of(html), "base": base, "text": broken})
    assert refused.status == 400 and f"{line}行目" in await refused.text()
    stale = await client.post("/shops/yaml", data={"csrf": csrf_of(html), "base": "0" * 64, "text": text})
    assert stale.status == 409


async def test_municipal_staff_may_not_edit_shops(client, console):
    await login(client, "cli:ube")
    assert (await client.get("/shops")).status == 403
    page = await client.get("/")
    refused = await client.post(
        f"/shops/edit/{SHOP}", data={"csrf": csrf_of(await page.text()), "phone": "0836-99-1234"}
    )
    assert refused.status == 403 and await ShopEdits(console.db).latest() == []
