"""Staff roles: each role may do its own actions, municipal staff only for their cities."""

import pytest

from bot.data.yaml_lines import DataError
from bot.staff.roles import StaffDirectory

STAFF = """\
staff:
  - {id: "telegram:1", name: 管理者, role: admin}
  - {id: "line:Uabc", name: 宇部市 担当, role: municipal, municipalities: [宇部市]}
  - {id: "cli:sato", name: サポート 佐藤, role: support}
"""


@pytest.fixture
def staff(tmp_path):
    path = tmp_path / "staff.yaml"
    path.write_text(STAFF, encoding="utf-8")
    return StaffDirectory.load(path)


def test_admin_may_do_everything(staff):
    assert all(staff.allows("telegram:1", a, "防府市") for a in ("broadcast", "classes", "shops", "reload", "stats"))


def test_municipal_only_for_their_own_city(staff):
    assert staff.allows("line:Uabc", "broadcast", "宇部市")
    assert not staff.allows("line:Uabc", "broadcast", "防府市")
    assert not staff.allows("line:Uabc", "shops")


def test_support_edits_shops_but_does_not_broadcast(staff):
    assert staff.allows("cli:sato", "reload") and staff.allows("cli:sato", "shops")
    assert not staff.allows("cli:sato", "broadcast", "宇部市")


def test_residents_may_do_nothing(staff):
    assert not staff.allows("telegram:2", "stats")
    assert staff.member("telegram:2") is None


def test_invalid_staff_file_names_the_line(tmp_path):
    path = tmp_path / "staff.yaml"
    path.write_text("staff:\n  - {id: 'telegram:1', name: x, role: boss}\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        StaffDirectory.load(path)
    assert f"{path}:2: staff[0].role" in str(exc.value)


def test_no_file_means_no_staff(tmp_path):
    assert not StaffDirectory.load(tmp_path / "missing.yaml").allows("telegram:1", "stats")
