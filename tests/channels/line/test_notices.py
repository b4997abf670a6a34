"""The refused-listing notice to support staff on LINE, through the real LINE sender and the fake
LINE API: two different refusals with the same number of problems both reach the member (the
retry key comes from the notice's text), a true repeat is not sent twice, and the audit log
says what really happened."""

from __future__ import annotations

from pathlib import Path

from bot.channels.line.sender import LineSender
from bot.staff.notify import support_notifier
from bot.staff.roles import StaffDirectory
from bot.store.audit import AuditLog
from bot.store.backend import open_database
from tests.support import line_fake as lf

MEMBER = f"line:{lf.user_id('support')}"


async def test_two_different_refusals_both_reach_the_member_and_a_repeat_is_sent_once(api, fake, db_target, tmp_path):
    staff_file = tmp_path / "staff.yaml"
    staff_file.write_text(f'staff:\n  - {{id: "{MEMBER}", name: サポート担当, role: support}}\n', encoding="utf-8")
    db = await open_database(db_target).open()
    try:
        notify = support_notifier(StaffDirectory.load(staff_file), {"line": LineSender(api)}, AuditLog(db))
        listing = Path("shops.yaml")
        await notify(listing, ["shops.yaml:12: phone: 電話番号の形ではありません"])
        await notify(listing, ["shops.yaml:40: address: 空欄です"])  # another edit, the same count
        await notify(listing, ["shops.yaml:40: address: 空欄です"])  # the same notice again
        delivered = [c.messages[0]["text"] for c in fake.to("multicast")]
        assert len(delivered) == 2
        assert "shops.yaml:12" in delivered[0] and "shops.yaml:40" in delivered[1]
        outcomes = [e["outcome"] for e in await AuditLog(db).entries()]
        assert all(o.endswith(f"told {MEMBER}") for o in outcomes), outcomes
    finally:
        await db.close()


async def test_the_audit_says_who_was_not_told_and_why(api, fake, db_target, tmp_path):
    staff_file = tmp_path / "staff.yaml"
    staff_file.write_text(f'staff:\n  - {{id: "{MEMBER}", name: サポート担当, role: support}}\n', encoding="utf-8")
    fake.fail("multicast", 400, "The property, 'to', is invalid", times=5)
    db = await open_database(db_target).open()
    try:
        notify = support_notifier(StaffDirectory.load(staff_file), {"line": LineSender(api)}, AuditLog(db))
        await notify(Path("shops.yaml"), ["shops.yaml:12: phone: 電話番号の形ではありません"])
        (entry,) = await AuditLog(db).entries()
        assert entry["outcome"].startswith("refused: 1 problem(s); told nobody; not told " + MEMBER + " (failed")
    finally:
        await db.close()
