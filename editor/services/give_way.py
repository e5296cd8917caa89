"""Long computations on a request take turns with the keystrokes.

Served by `python wsgi.py`, every request and every socket of the process shares one gevent event loop: a
piece of pure computation holds all of them until it ends. A comparison of two earlier points of a long
history replays its log (10,000 revisions: more than a second, with delegates typing), and while it ran
every delegate's keystrokes waited (15 delegates typing, one comparison a second: p95 1.3 s). Such work calls
the step that `stepper()` gives, between two of its steps: at most every `SLICE` seconds, the step lets the
loop run whatever is waiting (realtime installs `gevent.idle`: the keystrokes go first) before the work goes on.

Never while a write transaction is open: on SQLite a writer that waits for the loop while another request
waits for its lock would stop both. The committer, which holds the writes of the live path (and the work
run between two keystrokes), does its work under `held()`, where the step does nothing. Threads (the test
server, `flask run`) need none of this: `install` is not called and the step does nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SLICE = 0.002  # seconds of computation between two turns of the loop

Step = Callable[[], None]
_turn: Callable[[], object] | None = None
_holding = threading.local()  # under gevent's patch, one per greenlet


def install(turn: Callable[[], object] | None) -> None:
    """`turn()` lets the loop run what is waiting; None: never give way."""
    global _turn
    _turn = turn


def never() -> None:
    """The step where nothing gives way."""


@contextmanager
def held() -> Iterator[None]:
    """Nothing run here gives way (a write transaction is open)."""
    depth = getattr(_holding, "depth", 0)
    _holding.depth = depth + 1
    try:
        yield
    finally:
        _holding.depth = depth


def is_held() -> bool:
    """Whether the caller runs under `held()` (the committer): it must not wait for anything that gives way."""
    return bool(getattr(_holding, "depth", 0))


def stepper() -> Step:
    """A step to call between two steps of a long computation, cheap enough to call for each of them."""
    turn = _turn
    if turn is None or is_held():
        return never
    clock = time.perf_counter
    due = clock() + SLICE

    def step() -> None:
        nonlocal due
        if clock() >= due:
            turn()
            due = clock() + SLICE

    return step


def dumps_in_turns(payload: dict[str, Any], key: str, dumps: Callable[[Any], str]) -> str:
    """`dumps(payload)` (a JSON encoder of compact separators), the list `payload[key]` an item at a time with
    turns between them: one call on megabytes of JSON holds the loop for a tenth of a second."""
    step = stepper()
    items = []
    for item in payload[key]:
        step()
        items.append(dumps(item))
    rest = dumps({name: value for name, value in payload.items() if name != key})  # '{...}'
    return f'{rest[:-1]}{"," if len(rest) > 2 else ""}{dumps(key)}:[{",".join(items)}]}}'
