"""The staff's command-line commands, one module each, wired into ``bot.cli``.

- ``common``    — who is acting (``--as`` / ``$MADOGUCHI_STAFF_ID`` → ``cli:<name>``), the
  staff file (``--staff`` / ``$MADOGUCHI_STAFF``), opening the data, exit codes;
- ``progress``  — the progress bar of a broadcast, and the interactive confirm;
- ``classes``   — ``madoguchi classes import|export|remove``;
- ``broadcast`` — ``madoguchi broadcast`` (send, schedule, resume, list, status, cancel, due);
- ``report``    — ``madoguchi report unanswered``;
- ``staff``     — ``madoguchi staff check|whoami|list|audit``;
- ``db``        — ``madoguchi db migrate|copy`` (the operator's, no staff role).

Each module has ``COMMAND``, ``add_parser(subparsers, common)`` and ``run(args) -> int``,
like the channels' commands. Every action is checked (``StaffGuard``) and audited.
"""
