"""Staff passwords: Argon2 hashes (argon2-cffi), set by ``madoguchi staff passwd`` and checked
at the web console's login, with the lockout after repeated failures.

Lives here: ``hash_password``, ``check_login`` → ``LoginResult`` and ``MIN_LENGTH``. A
member not in the staff file, a member without a password and a wrong password all get the
same answer (nobody learns who is staff); five failures in a row lock the name for 15
minutes, during which even the right password is refused. Uses ``StaffLogins`` for the
database; never logs a password or a hash.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.staff.roles import StaffDirectory, StaffMember
from bot.store.staff_logins import LOCK_AFTER, StaffLogins

MIN_LENGTH = 10
MAX_LENGTH = 1024
_HASHER = PasswordHasher()
# Checked against when the member has no hash, so a wrong name takes as long as a wrong password.
_DUMMY = _HASHER.hash("madoguchi-no-such-member")


def hash_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"パスワードは {MIN_LENGTH}〜{MAX_LENGTH} 文字にしてください")
    return _HASHER.hash(password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginResult:
    member: StaffMember | None  # set when the login succeeded
    message: str  # what the login page says (Japanese)
    outcome: str  # for the audit log: ok | wrong | locked


def member_id(typed: str) -> str:
    """What a member types at the login: ``cli:tanaka``, ``telegram:900``, or ``tanaka`` (= ``cli:tanaka``)."""
    typed = typed.strip()
    return typed if ":" in typed else f"cli:{typed}"


async def check_login(
    logins: StaffLogins, staff: StaffDirectory, typed: str, password: str, now: float | None = None
) -> LoginResult:
    now = time.time() if now is None else now
    identity = member_id(typed)[:200]
    locked = await logins.locked_until(identity, now)
    if locked is not None:
        minutes = max(1, int((locked - now + 59) // 60))
        return LoginResult(
            None, f"ログインの失敗が{LOCK_AFTER}回続いたため、あと約{minutes}分ログインできません", "locked"
        )
    member = staff.member(identity)
    hashed = await logins.hash_of(identity) if member is not None else None
    ok = await asyncio.to_thread(_verify, hashed or _DUMMY, password[:MAX_LENGTH]) and hashed is not None
    if ok and member is not None:
        await logins.succeeded(identity)
        return LoginResult(member, "", "ok")
    failures = await logins.failed(identity, now)
    if failures >= LOCK_AFTER:
        return LoginResult(None, f"ログインの失敗が{LOCK_AFTER}回続いたため、15分間ログインできません", "locked")
    return LoginResult(None, "担当者名かパスワードが違います", "wrong")
