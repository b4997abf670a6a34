"""The main flows of the web console in a real browser (headless Chromium through Selenium),
against the console served on loopback with real senders: python-telegram-bot's real
``Bot`` on the recording fake Telegram API, line-bot-sdk's real client on the loopback
fake LINE API, and console recipients in an outbox file.

One browser for the module, flows in order: log in; upload a CP932 CSV with one bad row,
see its row and column, import the valid rows; compose a digest, preview, send a test to
the member's own Telegram chat, confirm, watch the progress reach done (sent and blocked
counted right on every channel); edit a shop with an invalid phone number and see it
refused, fix it and see the live bot answer with the new number; a resident asks on
``/chat`` and gets the answer with buttons. Screenshots of the main pages are saved in
``$MADOGUCHI_SCREENSHOTS`` (default: a temporary folder).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.clock import FixedClock
from tests.classes.test_import import GOOD, csv_text
from tests.conftest import NOW
from tests.support.browser import ServedConsole, browser_or_skip
from tests.support.web import PASSWORD, make_console
from tests.web.test_classes import BAD_ROW

STAFF = """\
staff:
  - {id: "telegram:700", name: 宇部市 デジタル推進担当 山田, role: municipal, municipalities: [宇部市]}
  - {id: "cli:support", name: サポート担当 佐藤, role: support}
"""
TELEGRAM_RESIDENTS = [701, 702, 703]
LINE_RESIDENTS = ["resident-a", "resident-b"]


@pytest.fixture(scope="module")
def driver():
    browser = browser_or_skip()
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("MADOGUCHI_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def served(tmp_path_factory, demo_db, knowledge, understanding):
    pytest.importorskip("bot.channels.telegram.sender")
    tmp = tmp_path_factory.mktemp("browser")
    fakes = SimpleNamespace()

    async def build():
        from bot.broadcast.sender import ConsoleSender
        from bot.broadcast.senders import SenderSet
        from bot.channels.line.config import LineConfig
        from bot.channels.line.sender import sender_for
        from bot.channels.telegram.sender import make_sender
        from bot.staff.roles import StaffDirectory
        from tests.support.line_fake import ACCESS_TOKEN, FakeLineApi, user_id
        from tests.support.staff import subscribe
        from tests.support.telegram_fake import TOKEN, FakeRequest, FakeTelegram

        fakes.telegram = FakeTelegram()
        fakes.telegram.block(703)
        telegram = await make_sender(
            SimpleNamespace(telegram_request=FakeRequest(fakes.telegram), rate=None), env={"TELEGRAM_BOT_TOKEN": TOKEN}
        )
        fakes.line = await FakeLineApi(quota=1000).start()
        line = sender_for(LineConfig("secret", ACCESS_TOKEN, fakes.line.url))
        fakes.outbox = tmp / "outbox.jsonl"
        senders = SenderSet(
            senders={
                "console": ConsoleSender(open(fakes.outbox, "a", encoding="utf-8")),
                "telegram": telegram,
                "line": line,
            }
        )
        target = tmp / "web.db"  # the browser's tests on SQLite; the same console's SQL runs on both in the others
        shutil.copy(demo_db, target)
        console = await make_console(tmp, str(target), FixedClock(NOW), knowledge, understanding, senders=senders)
        (tmp / "staff.yaml").write_text(STAFF, encoding="utf-8")
        console.staff._by_id.update(StaffDirectory.load(tmp / "staff.yaml")._by_id)
        from bot.store.staff_logins import StaffLogins
        from tests.support.web import _HASHED

        await StaffLogins(console.db).set_hash("telegram:700", _HASHED)
        await subscribe(
            console.db,
            "宇部市",
            [f"telegram:{i}" for i in TELEGRAM_RESIDENTS]
            + [f"line:{user_id(n)}" for n in LINE_RESIDENTS]
            + ["console:c1"],
        )
        fakes.line_ids = [user_id(n) for n in LINE_RESIDENTS]

        async def cleanup():
            await console.runs.stop_all()
            await senders.close()
            await fakes.line.close()
            await console.bot.close()

        return console, cleanup

    server = ServedConsole(build).start()
    server.fakes, server.tmp = fakes, tmp
    yield server
    server.stop()


def wait(driver, css: str, text: str | None = None, timeout: float = 15):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    if text is None:
        return WebDriverWait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))
    WebDriverWait(driver, timeout).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return driver.find_element(By.CSS_SELECTOR, css)


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def shoot(driver, shots: Path, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(height + 120, 600), 2400))
    driver.save_screenshot(str(shots / f"{name}.png"))
    driver.set_window_size(width, 1000)


def log_in(driver, served, member: str) -> None:
    driver.get(served.url + "/login")
    css(driver, "#member").send_keys(member)
    css(driver, "#password").send_keys(PASSWORD)
    css(driver, "button.primary").click()
    wait(driver, ".logout .who", member)


def test_log_in(driver, served, shots):
    driver.get(served.url + "/login")
    shoot(driver, shots, "login")
    log_in(driver, served, "telegram:700")
    assert "宇部市 デジタル推進担当 山田" in css(driver, ".who").text
    assert "これからの講座" in driver.page_source and "LINE の今月の送信数: 残り 1,000通" in driver.page_source
    shoot(driver, shots, "home")


def test_upload_a_cp932_csv_with_a_bad_row_and_import_the_valid_rows(driver, served, shots):
    path = served.tmp / "宇部市_12月.csv"
    path.write_bytes(csv_text([GOOD[0], BAD_ROW, GOOD[1], GOOD[2]]).encode("cp932"))
    driver.get(served.url + "/classes")
    css(driver, "#file").send_keys(str(path))
    css(driver, "form[action='/classes/upload'] button").click()
    problems = wait(driver, "#problems")
    row = problems.find_element("css selector", "tbody tr").text
    assert "3行目" in row and "開催日" in row, row
    assert "Shift_JIS（CP932）" in driver.page_source and "新規 3件" in css(driver, "#plan-summary").text
    shoot(driver, shots, "classes-dry-run")
    css(driver, "#import-valid").click()
    assert "誤りのある 1行は取り込んでいません" in wait(driver, "#import-done").text
    driver.get(served.url + "/classes?month=2026-12&q=はじめてのスマートフォン")
    assert "はじめてのスマートフォン" in css(driver, "#class-list").text
    shoot(driver, shots, "classes-list")


def test_a_digest_broadcast_with_a_test_send_runs_to_done(driver, served, shots):
    fakes = served.fakes
    driver.get(served.url + "/broadcasts/new")
    css(driver, "#kind-digest").click()
    css(driver, "#preview").click()
    assert "はじめてのスマートフォン" in wait(driver, "#line-preview").text
    assert "はじめてのスマートフォン" in css(driver, "#telegram-preview").text
    assert css(driver, "#total").text == "6" and "この配信は上限内です" in driver.page_source
    shoot(driver, shots, "broadcast-preview")
    css(driver, "#test-send").click()
    assert "telegram:700 にテスト送信しました" in wait(driver, "#message").text
    assert fakes.telegram.texts(700) and fakes.telegram.texts(700)[0].startswith("【テスト送信】")
    confirm = css(driver, "#confirm")
    assert confirm.text == "6人に送信する"
    confirm.click()
    wait(driver, "#state", "完了", timeout=30)
    counts = {k: css(driver, f"#n-{k}").text for k in ("sent", "failed", "blocked", "pending", "total")}
    assert counts == {"sent": "5", "failed": "0", "blocked": "1", "pending": "0", "total": "6"}
    shoot(driver, shots, "broadcast-done")
    assert all(fakes.telegram.texts(i) for i in (701, 702))
    multicast = [c for c in fakes.line.to("multicast")]
    assert sorted(u for c in multicast for u in c.body["to"]) == sorted(fakes.line_ids)
    outbox = [json.loads(line) for line in served.fakes.outbox.read_text(encoding="utf-8").splitlines()]
    assert [o["user"] for o in outbox] == ["c1"] and "はじめてのスマートフォン" in outbox[0]["replies"][0]["text"]
    driver.get(served.url + "/broadcasts")
    assert "完了" in css(driver, "#broadcast-list").text
    shoot(driver, shots, "broadcasts")


def test_a_shop_edit_with_a_bad_phone_is_refused_and_the_fix_is_served(driver, served, shots):
    css(driver, ".logout button").click()
    log_in(driver, served, "cli:support")
    driver.get(served.url + "/shops/edit/docomo-fujigrand-ube")
    phone = css(driver, "#f-phone")
    phone.clear()
    phone.send_keys("0836-12")
    css(driver, "#save").click()
    assert "行目" in wait(driver, "#e-phone").text
    shoot(driver, shots, "shop-refused")
    phone = css(driver, "#f-phone")
    phone.clear()
    phone.send_keys("0836-99-1234")
    css(driver, "#save").click()
    assert "保存しました" in wait(driver, "#saved").text
    driver.get(served.url + "/shops/history")
    assert "docomo-fujigrand-ube.phone" in css(driver, "#edits").text
    shoot(driver, shots, "shop-history")
    ask(driver, served, "宇部のドコモ")
    assert "0836-99-1234" in wait(driver, "#log li.bot:last-child", "0836-99-1234").text


def ask(driver, served, text: str) -> None:
    if "/chat" not in driver.current_url:
        driver.get(served.url + "/chat")
    wait(driver, "#log li.bot")
    before = len(driver.find_elements("css selector", "#log li.bot"))
    css(driver, "#text").send_keys(text)
    css(driver, "#send").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(lambda d: len(d.find_elements("css selector", "#log li.bot")) > before)


def test_a_resident_asks_on_the_web_chat_and_gets_buttons(driver, served, shots):
    driver.delete_all_cookies()
    driver.set_window_size(420, 1000)
    driver.get(served.url + "/chat")
    assert driver.find_elements("css selector", "#log li.bot .choices button")
    ask(driver, served, "宇部のスマホ教室")
    last = css(driver, "#log li.bot:last-child")
    assert "宇部" in last.text and last.find_elements("css selector", ".choices button")
    tel = [a.get_attribute("href") for a in last.find_elements("css selector", "a[href^='tel:']")]
    assert tel, last.text
    shoot(driver, shots, "chat-phone")
    last.find_elements("css selector", ".choices button")[0].click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(lambda d: len(d.find_elements("css selector", "#log li.me")) >= 2)
    driver.set_window_size(1280, 1000)


def test_screenshots_were_saved(shots):
    names = {p.stem for p in shots.glob("*.png")}
    assert {
        "login",
        "home",
        "classes-dry-run",
        "broadcast-preview",
        "broadcast-done",
        "shop-refused",
        "chat-phone",
    } <= names
