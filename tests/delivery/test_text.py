"""The one UTF-16 splitter and clip: parts within Telegram's 4,096 and LINE's 5,000 units,
cut on line boundaries, never inside a surrogate pair, nothing lost."""

from __future__ import annotations

from bot.delivery.text import clip, merge_texts, split_text, utf16_len, without_spans, without_surrogates

MAX_TEXT = 4096


def test_utf16_length_counts_an_emoji_as_two():
    assert utf16_len("🍎あa") == 4


def test_short_text_is_one_part():
    assert split_text("こんにちは", MAX_TEXT) == ["こんにちは"]
    assert split_text("", MAX_TEXT) == [] and split_text(" \n ", MAX_TEXT) == []


def test_long_text_is_cut_on_line_boundaries():
    lines = [f"{n:04d} " + "あ" * 95 for n in range(200)]  # 100 characters a line
    text = "\n".join(lines)
    parts = split_text(text, MAX_TEXT)
    assert len(parts) == 5
    assert all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert "\n".join(parts) == text  # nothing lost, nothing cut inside a line
    assert all(p.split("\n")[0][:4].isdigit() for p in parts)


def test_a_line_longer_than_the_limit_is_cut_between_characters_not_inside_an_emoji():
    text = "😀" * 3000  # 6,000 UTF-16 units
    parts = split_text(text, MAX_TEXT)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


def test_lines_of_5000_for_line_and_at_most_five_parts():
    text = "\n".join(["あ" * 999] * 30)  # 30,000 units
    parts = split_text(text, 5000, parts=5)
    assert len(parts) == 5 and all(utf16_len(p) <= 5000 for p in parts)
    assert all(p.startswith("あ") and "\n\n" not in p for p in parts)


def test_clip_ends_in_an_ellipsis_within_the_limit():
    assert clip("abc", 3) == "abc"
    assert clip("🍎" * 10, 7) == "🍎🍎🍎…" and utf16_len(clip("🍎" * 10, 7)) <= 7


def test_spans_counted_in_utf16_units_are_taken_out():
    text = "🍎(hello)宇部"  # 🍎 is two units, so 「(hello)」 starts at unit 2
    assert without_spans(text, [(2, 7)]) == "🍎宇部"
    assert without_spans(text, [(2, 7), (2, 7)]) == "🍎宇部"  # a repeated span once
    assert without_spans("a(b)c(d)", [(1, 3), (5, 3)]) == "ac"  # the later one first: indexes stay right


def test_spans_that_do_not_fit_the_text_are_ignored():
    for span in [(-1, 2), (0, 0), (3, 1), (1, 9), ("0", 1), (0, None)]:
        assert without_spans("abc", [span]) == "abc"
    assert without_spans("abc", []) == "abc"


def test_lone_surrogates_are_dropped_and_pairs_kept():
    assert without_surrogates("a\ud800b🍎") == "ab🍎"


def test_texts_are_merged_shortest_neighbours_first_until_they_fit():
    texts = ["a" * 10, "b", "c", "d" * 10]
    assert merge_texts(texts, 3) == ["a" * 10, "b\n\nc", "d" * 10]
    assert merge_texts(texts, 1) == ["\n\n".join(texts)]
    assert merge_texts(texts, 4) == texts and merge_texts(["x"], 0) == ["x"]
