"""A changed ``shops.yaml`` parsed and validated in a child process, handed back in pieces.

Lives here: ``load_in_child`` (the parent's side: start the child, take its pieces between two
messages on the event loop, and assemble the directory step by step) and ``main`` (the child's
side, ``python -m bot.data.listing_process PATH``, the known municipality names on stdin).

Why a process: parsing a 30,000-shop listing costs seconds of CPU, and in a thread of the bot's
process that work competes for the GIL and, on a busy machine, for the CPU with the event loop.
The child runs at the lowest CPU priority (nice 19) with its own GIL, so the loop is scheduled
first; what comes back is already valid, and the parent validates it again a hundred shops per
step (the same models, about a millisecond a step) and builds the indexes two hundred shops per
step, so the loop never waits long for it. The same ``checked_listing`` as at start-up decides:
a refusal comes back as its ``file:line: field: message`` problems. A child that dies, hangs or
answers half is a refusal too (``ListingProcessError``), and the last good listing keeps serving.
The child reads the listing (and may fill the parse cache); the parent writes nothing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import marshal
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.data.schema import Municipality, Shop, ShopFile
from bot.data.shops import ShopDirectory, checked_listing, load_shops
from bot.data.yaml_lines import DataError

log = logging.getLogger(__name__)

PIECE = 100  # shops per piece the child sends (and the parent validates in one step)
TIMEOUT = 600.0  # seconds the child may take before it is stopped and the edit refused
NICE = 19  # the child's CPU priority: the lowest, so the event loop is always scheduled first
_HEADER = 8  # bytes of a frame's length


class ListingProcessError(DataError):
    """The child could not say whether the listing is valid (it died, hung or answered half)."""


def _send(out, value: Any) -> None:
    payload = marshal.dumps(value)
    out.write(len(payload).to_bytes(_HEADER, "big") + payload)


def _pieces(listing: ShopFile) -> Iterator[list[dict]]:
    shops = listing.shops
    for start in range(0, len(shops), PIECE):
        yield [shop.model_dump(mode="json", exclude_unset=True) for shop in shops[start : start + PIECE]]


def main(argv: list[str] | None = None) -> int:
    """The child: validate the listing at argv[0] and send its verdict and its shops on stdout."""
    path = (argv if argv is not None else sys.argv[1:])[0]
    gc.disable()  # a short-lived process: collecting would only slow it down
    known = set(marshal.loads(sys.stdin.buffer.read()))
    out = sys.stdout.buffer
    try:
        listing = checked_listing(path, known)
    except DataError as exc:
        _send(out, {"problems": list(exc.problems)})
        return 0
    except Exception as exc:  # noqa: BLE001 - anything else refuses the edit too, with its reason
        _send(out, {"problems": [f"{path}: {type(exc).__name__}: {exc}"]})
        return 0
    _send(out, {"as_of": listing.as_of, "source": listing.source, "count": len(listing.shops)})
    for piece in _pieces(listing):
        _send(out, piece)
    _send(out, {"end": len(listing.shops)})
    out.flush()
    return 0


# The child lowers its priority before it imports anything (the imports alone take a third of a second).
_BOOT = f"import os, runpy\ntry: os.nice({NICE})\nexcept (AttributeError, OSError): pass\nrunpy.run_module(__name__, run_name='__main__')"


def _command(path: Path) -> list[str]:
    return [sys.executable, "-c", _BOOT.replace("__name__", repr(__name__)), str(path)]


def _environment() -> dict[str, str]:
    """The parent's environment, with this checkout's ``bot`` package first on the path."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


async def _frame(stdout: asyncio.StreamReader, path: Path) -> Any:
    try:
        size = int.from_bytes(await stdout.readexactly(_HEADER), "big")
        return marshal.loads(await stdout.readexactly(size))
    except asyncio.IncompleteReadError:
        raise ListingProcessError(
            [f"{path}: the listing could not be checked (the checking process ended before it answered)"]
        ) from None


async def _received(stdout: asyncio.StreamReader, path: Path, municipalities: list[Municipality]) -> ShopDirectory:
    """The child's verdict; if good, its shops validated and indexed a step at a time."""
    head = await _frame(stdout, path)
    if "problems" in head:
        raise DataError(list(head["problems"]))
    shops: list[Shop] = []
    while True:
        piece = await _frame(stdout, path)
        if isinstance(piece, dict):
            break
        shops.extend(Shop.model_validate(entry) for entry in piece)
        await asyncio.sleep(0)
    if piece.get("end") != head["count"] or len(shops) != head["count"]:
        raise ListingProcessError([f"{path}: the listing could not be checked (the checking process answered half)"])
    listing = ShopFile.model_construct(as_of=head["as_of"], source=head["source"], shops=shops)
    directory, steps = ShopDirectory.stepwise(listing, municipalities)
    for _ in steps:
        await asyncio.sleep(0)
    return directory


async def _run_child(path: Path, municipalities: list[Municipality]) -> ShopDirectory:
    proc = await asyncio.create_subprocess_exec(
        *_command(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=_environment(),
    )
    try:
        proc.stdin.write(marshal.dumps(sorted(m.name for m in municipalities)))
        await proc.stdin.drain()
        proc.stdin.close()
        async with asyncio.timeout(TIMEOUT):
            directory = await _received(proc.stdout, path, municipalities)
            code = await proc.wait()
    except (BrokenPipeError, ConnectionResetError):
        raise ListingProcessError(
            [f"{path}: the listing could not be checked (the checking process ended before it read its task)"]
        ) from None
    except TimeoutError:
        raise ListingProcessError(
            [f"{path}: the listing could not be checked (the checking process took over {TIMEOUT:.0f} s)"]
        ) from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if code != 0:
        raise ListingProcessError(
            [f"{path}: the listing could not be checked (the checking process ended with exit code {code})"]
        )
    return directory


async def load_in_child(path: str | Path, municipalities: list[Municipality]) -> ShopDirectory:
    """``load_shops(path, municipalities)`` with the parsing and checking in a child process and
    the assembling in steps on the running event loop; ``DataError`` with lines if invalid.

    Garbage collection waits meanwhile (a full collection would walk every new shop on the
    loop's thread), and what is built is then kept out of the collector's way."""
    path = Path(path)
    enabled = gc.isenabled()
    gc.disable()
    try:
        directory = await _run_child(path, municipalities)
    except OSError as exc:  # no child can be started here: load beside the loop in a thread instead
        log.warning("no process to check %s (%s): checking it in a thread", path, exc)
        return await asyncio.to_thread(load_shops, path, municipalities)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return directory


if __name__ == "__main__":
    raise SystemExit(main())
