"""A loopback TCP port splitter: one port in front of several processes, as nginx or a cloud
load balancer puts one address in front of the webhook processes.

Lives here: ``PortSplitter`` — listens on a free loopback port and hands each connection it
accepts to the next backend in turn (round robin), copying bytes both ways until either side
closes; it counts the connections per backend and, for the tests, which backends saw each
LINE ``webhookEventId`` (read from the bytes it forwarded). Touches only loopback sockets.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

_EVENT_ID = re.compile(rb'"webhookEventId":\s*"([^"]+)"')


class PortSplitter:
    def __init__(self, backends: list[str]):
        """``backends``: the processes' URLs (their host and port are used)."""
        self.backends = [(urlsplit(u).hostname, urlsplit(u).port) for u in backends]
        self._next = itertools.cycle(range(len(self.backends)))
        self.connections: Counter[int] = Counter()  # backend index → connections handed to it
        self.events: defaultdict[str, list[int]] = defaultdict(list)  # event id → backends, in order
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task] = set()

    async def start(self) -> PortSplitter:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    def url(self, path: str = "/callback") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = next(self._next)
        self.connections[index] += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.backends[index])
        except OSError:
            writer.close()
            return
        seen = bytearray()
        await asyncio.gather(self._pipe(reader, up_writer, seen), self._pipe(up_reader, writer, None))
        for found in _EVENT_ID.finditer(bytes(seen)):
            self.events[found.group(1).decode()].append(index)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: bytearray | None) -> None:
        try:
            while chunk := await reader.read(65536):
                if seen is not None:
                    seen += chunk
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
