"""What the Telegram channel itself says, in Japanese and English, and its command menu.

Lives here: ``TEXTS`` (flood notice, group etiquette, staff replies), ``t`` (a text in a
language with ``{placeholders}`` filled) and ``COMMANDS`` (the /commands with their ja and
en descriptions for ``set_my_commands``). Everything a resident reads about classes, shops
and procedures comes from ``knowledge/`` through the engine; these are only the channel's
own words. Pure data; imports nothing.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- residents ---------------------------------------------------------------
    "flood": {
        "ja": "メッセージが続けて届いています。少し時間をおいてから、もう一度ゆっくり送ってください。",
        "en": "I'm getting a lot of messages at once. Please wait a little, then send your question again.",
    },
    "group_hello": {
        "ja": "こんにちは、まどぐち（窓口）です。このグループでは、@{bot} をつけて書いたメッセージと、"
              "わたしへの返信にだけお答えします。\n個人的なご相談は、わたしに直接メッセージを送ってください。",
        "en": "Hello, this is Madoguchi. In this group I answer only messages that mention @{bot} or reply "
              "to me.\nFor personal questions, please message me directly.",
    },
    "help": {
        "ja": "使い方：ご質問をそのまま書いて送ってください（例：「宇部のスマホ教室」「転出届」）。"
              "位置情報を送ると、近くのショップをご案内します。\n\n{commands}",
        "en": "How to use: just type your question (e.g. \"classes in Ube\", \"moving out\"). "
              "Share your location to see the nearest shops.\n\n{commands}",
    },
    "lang_choose": {"ja": "言語を選んでください。/ Choose a language.", "en": "Choose a language. / 言語を選んでください。"},
    # --- staff -------------------------------------------------------------------
    "not_permitted": {"ja": "この操作は許可されていません。", "en": "You are not permitted to do that."},
    "staff_private_only": {
        "ja": "この操作は、ボットとの1対1のチャットで行ってください。",
        "en": "Please do this in a private chat with the bot.",
    },
    "broadcast_usage": {
        "ja": "使い方：/broadcast 市町名 本文\n例：/broadcast 宇部市 12月のスマホ教室の日程をお知らせします。",
        "en": "Usage: /broadcast CITY TEXT\nExample: /broadcast 宇部市 December's smartphone classes are out.",
    },
    "broadcast_unknown_city": {
        "ja": "「{city}」という市町が見つかりません。市町名は次のように書いてください：\n{cities}",
        "en": "I don't know the municipality \"{city}\". Write one of:\n{cities}",
    },
    "broadcast_nobody": {
        "ja": "{city}のお知らせを受け取っている方（Telegram）はいません。送信はしません。",
        "en": "Nobody on Telegram gets news for {city}. Nothing will be sent.",
    },
    "broadcast_preview": {
        "ja": "【送信前の確認】{city}のお知らせ登録者 {count}人（Telegram）に、次のメッセージを送ります。"
              "よろしければ「送信する」を押してください。\n――――――――\n{text}",
        "en": "[Preview] This message goes to {count} Telegram subscribers of {city}. "
              "Press Send to send it.\n――――――――\n{text}",
    },
    "broadcast_footer": {
        "ja": "\n\n――\nまどぐち（窓口）からのお知らせです。お知らせをやめるときは /unsubscribe",
        "en": "\n\n――\nまどぐち（窓口）からのお知らせです。お知らせをやめるときは /unsubscribe",
    },
    "button_send": {"ja": "送信する（{count}人）", "en": "Send ({count})"},
    "button_cancel": {"ja": "やめる", "en": "Cancel"},
    "broadcast_started": {
        "ja": "送信を始めました（{count}人）。終わったら結果をお知らせします。",
        "en": "Sending to {count} people. I will report when it is done.",
    },
    "broadcast_cancelled": {"ja": "送信をやめました。何も送っていません。", "en": "Cancelled. Nothing was sent."},
    "broadcast_gone": {
        "ja": "この送信はもう実行されたか、取り消されたか、期限が切れています。",
        "en": "This broadcast was already sent, cancelled, or has expired.",
    },
    "reloaded": {
        "ja": "ショップ一覧を読み込みなおしました：{count}件（{as_of}時点）。",
        "en": "Reloaded the shop listing: {count} entries (as of {as_of}).",
    },
    "reload_failed": {
        "ja": "ショップ一覧に誤りがあるため、読み込みませんでした。いまの一覧（{count}件）をそのまま使っています。\n\n{problems}",
        "en": "The shop listing has errors, so it was not loaded. The current listing ({count} entries) stays in use.\n\n{problems}",
    },
    "stats": {
        "ja": "【Telegram の利用状況】\n会話している方：{conversations}人\nブロックされている：{blocked}人\n"
              "お知らせ登録（市町別）：\n{subscriptions}\n\n起動してから：更新 {updates}件、返信 {replies}件、"
              "連投の注意 {flood}件、エラー {errors}件",
        "en": "[Telegram usage]\nConversations: {conversations}\nBlocked: {blocked}\nNews subscriptions by town:\n"
              "{subscriptions}\n\nSince start: {updates} updates, {replies} replies, {flood} flood notices, "
              "{errors} errors",
    },
    "stats_none": {"ja": "（なし）", "en": "(none)"},
}

# (command, ja description, en description) — the order of the menu in Telegram clients.
COMMANDS: list[tuple[str, str, str]] = [
    ("start", "はじめる", "Start"),
    ("menu", "メニューを表示", "Show the menu"),
    ("help", "使い方", "How to use this bot"),
    ("lang", "言語の切り替え（日本語 / English）", "Language (日本語 / English)"),
    ("subscribe", "スマホ教室のお知らせを受け取る", "Get news of smartphone classes"),
    ("unsubscribe", "お知らせをやめる", "Stop class news"),
    ("forget", "保存されたあなたの情報を消す", "Delete everything stored about me"),
]


def t(key: str, lang: str, **values: object) -> str:
    template = TEXTS[key].get(lang) or TEXTS[key]["ja"]
    return template.format(**values) if values else template


def command_list(lang: str) -> str:
    column = 1 if lang == "ja" else 2
    return "\n".join(f"/{c[0]} — {c[column]}" for c in COMMANDS)
