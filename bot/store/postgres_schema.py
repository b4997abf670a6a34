"""The schema's migrations for PostgreSQL: SQLite's (``bot.store.database``), translated, plus
what PostgreSQL does its own way.

Lives here: ``MIGRATIONS`` — migration *n* is SQLite's migration *n* with its tables and indexes
translated (``translated``: an ``INTEGER PRIMARY KEY`` becomes an identity column, ``REAL``
``DOUBLE PRECISION``, ``WITHOUT ROWID`` goes, and text compares byte by byte, ``COLLATE "C"``,
as in SQLite whatever the database's locale: the stores seek ranges of keys and order venues as
SQLite does), its triggers and its back-fills left out, and ``OWN[n]`` added: the same
triggers in PL/pgSQL, SQLite's functions the stores call (``ifnull``, ``instr``, ``julianday``:
immutable SQL functions the planner inlines and an expression index may use) and the send
budget several sender processes share, and the notices of changes every process listens to. ``schema_version`` records how far a database has come (SQLite's ``PRAGMA
user_version``). Touches nothing itself.
"""

from __future__ import annotations

import re

from bot.store.database import MIGRATIONS as SQLITE_MIGRATIONS

_TOPICS = "unnest(string_to_array(trim(both ',' from NEW.topics), ','))"

# Migration number → (before SQLite's translated statements, after them).
OWN: dict[int, tuple[str, str]] = {
    1: (
        """
        CREATE FUNCTION ifnull(anyelement, anyelement) RETURNS anyelement
            LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS 'SELECT coalesce($1, $2)';
        CREATE FUNCTION instr(text, text) RETURNS integer
            LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS 'SELECT strpos($1, $2)';
        CREATE FUNCTION julianday(text) RETURNS double precision
            LANGUAGE SQL STABLE PARALLEL SAFE
            AS 'SELECT extract(epoch FROM $1::timestamptz) / 86400.0 + 2440587.5';
        """,
        "",
    ),
    4: (
        "",
        """
        CREATE FUNCTION classes_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE reminders SET status = 'cancelled', last_error = 'class removed',
                updated_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            WHERE class_id = OLD.id AND status IN ('pending', 'sending');
            RETURN OLD;
        END $$;
        CREATE TRIGGER classes_removed AFTER DELETE ON classes FOR EACH ROW EXECUTE FUNCTION classes_removed();
        CREATE FUNCTION forget_user() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM reminders WHERE user_key = OLD.user_key;
            DELETE FROM deliveries WHERE user_key = OLD.user_key;
            RETURN OLD;
        END $$;
        CREATE TRIGGER forget_conversation AFTER DELETE ON conversations FOR EACH ROW EXECUTE FUNCTION forget_user();
        CREATE TRIGGER forget_resident AFTER DELETE ON residents FOR EACH ROW EXECUTE FUNCTION forget_user();
        """,
    ),
    6: (
        "",
        f"""
        CREATE FUNCTION class_topics_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                DELETE FROM class_topics WHERE class_id = OLD.id;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO class_topics
                SELECT DISTINCT t, NEW.id, NEW.prefecture, NEW.municipality, NEW.level, coalesce(NEW.carrier, ''),
                       NEW.day, NEW.start, NEW.venue
                FROM {_TOPICS} AS t WHERE t <> ''
                ON CONFLICT DO NOTHING;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER class_topics_added AFTER INSERT ON classes FOR EACH ROW EXECUTE FUNCTION class_topics_kept();
        CREATE TRIGGER class_topics_changed
            AFTER UPDATE OF topics, prefecture, municipality, level, carrier, day, start, venue ON classes
            FOR EACH ROW EXECUTE FUNCTION class_topics_kept();
        CREATE TRIGGER class_topics_removed AFTER DELETE ON classes FOR EACH ROW EXECUTE FUNCTION class_topics_kept();
        """,
    ),
    # The send budget every sender process of a channel shares (``madoguchi_grant``: at most
    # ``capacity`` grants in any ``win`` seconds of the senders' wall clock ``now_s``, kept in
    # step by NTP, one channel at a time under an advisory lock; 0 for a grant, else the seconds
    # to wait before asking again).
    7: (
        "",
        """
        CREATE TABLE send_grants (
            channel TEXT COLLATE "C" NOT NULL,
            at      DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX send_grants_channel ON send_grants (channel, at);
        CREATE FUNCTION madoguchi_grant(ch text, capacity integer, win double precision, now_s double precision)
        RETURNS double precision LANGUAGE plpgsql AS $$
        DECLARE
            oldest double precision;
            n      integer;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext('madoguchi:rate:' || ch));
            DELETE FROM send_grants WHERE channel = ch AND at <= now_s - win;
            SELECT count(*), min(at) INTO n, oldest FROM send_grants WHERE channel = ch;
            IF n < capacity THEN
                INSERT INTO send_grants (channel, at) VALUES (ch, now_s);
                RETURN 0;
            END IF;
            RETURN greatest(oldest + win - now_s, 0.001);
        END $$;
        """,
    ),
    # Changes every process is told of at once (``Backend.listen``; a notice goes out when its
    # transaction commits, whoever wrote it — the bot, a tool, psql): a broadcast's new status
    # (an emergency stop, a cancel) and a saved shop edit, each with the row's id.
    8: (
        "",
        """
        CREATE FUNCTION madoguchi_told() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(TG_ARGV[0], NEW.id::text);
            RETURN NULL;
        END $$;
        CREATE TRIGGER broadcast_status_told AFTER UPDATE OF status ON broadcasts FOR EACH ROW
            WHEN (NEW.status IS DISTINCT FROM OLD.status) EXECUTE FUNCTION madoguchi_told('madoguchi_broadcast');
        CREATE TRIGGER shop_edit_told AFTER INSERT ON shop_edits FOR EACH ROW
            EXECUTE FUNCTION madoguchi_told('madoguchi_shops');
        """,
    ),
}


def statements(script: str) -> list[str]:
    """SQLite's ``script`` cut into statements (a trigger's body, ``BEGIN … END;``, stays whole)."""
    out, current, in_trigger = [], [], False
    for line in script.splitlines():
        current.append(line)
        head = line.strip().upper()
        in_trigger = in_trigger or head.startswith("CREATE TRIGGER")
        if (in_trigger and head == "END;") or (not in_trigger and head.endswith(";")):
            out.append("\n".join(current).strip())
            current, in_trigger = [], False
    rest = "\n".join(current).strip()
    return out + ([rest] if rest else [])


def translated(statement: str) -> str | None:
    """One SQLite statement of a migration for PostgreSQL; None for a trigger or a back-fill
    (PostgreSQL's own are in ``OWN``)."""
    if re.match(r"(CREATE TRIGGER|INSERT\b)", statement, re.I):
        return None
    out = statement.replace("INTEGER PRIMARY KEY", "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
    out = re.sub(r"\bREAL\b", "DOUBLE PRECISION", out)
    out = re.sub(r"\)\s*WITHOUT ROWID", ")", out)
    return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', out)


def _migration(number: int, script: str) -> str:
    before, after = OWN.get(number, ("", ""))
    kept = [s for s in map(translated, statements(script)) if s]
    return "\n".join([before, *kept, after])


MIGRATIONS: list[str] = [_migration(n, script) for n, script in enumerate(SQLITE_MIGRATIONS, start=1)]
