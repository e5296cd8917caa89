"""What one keystroke costs the committer: one change a batch, applied and committed through the real
`Committer` (its kept connection, the keystroke's statements, the commit), on a SQLite file in a temporary
folder holding the demo data, without the server around it (no sockets, no broadcast).

    .venv/bin/python tests/bench/committer.py                        # 2,000 keystrokes, FULL
    .venv/bin/python tests/bench/committer.py --synchronous NORMAL   # the same without the fsync
    .venv/bin/python tests/bench/committer.py --chars 5000 --json    # in a 5,000-character paragraph

Prints the wall time per keystroke (median and p95) and the CPU time of the thread per keystroke (which
counts the kernel's share of the fsync); the difference between FULL and NORMAL is what the fsync adds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from editor import create_app  # noqa: E402
from editor.domain import document  # noqa: E402
from editor.domain.sync import TEXT, Request, make_delta  # noqa: E402
from editor.realtime.committer import Committer, _Item  # noqa: E402
from tests.bench.drafts import open_demo_draft  # noqa: E402


def run(folder: str, keystrokes: int, chars: int, synchronous: str, warm_up: int = 200) -> dict:
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "AUTO_MIGRATE": True,
                      "SQLITE_SYNCHRONOUS": synchronous, "SECRET_KEY": "bench"})
    database = app.extensions["penholder.database"]
    text = "a" * chars
    with database.session() as session:
        draft, penholder = open_demo_draft(session, "Benchmark",
                                           [document.Paragraph("p1", document.ParagraphKind.OPERATIVE, 0, text)])
        draft_id, generation, version, user_id = draft.id, draft.generation, draft.version, penholder.id
    committer = Committer(database, lambda _draft, _changes: None)
    walls, cpus = [], []
    for n in range(warm_up + keystrokes):
        at = (n * 37) % (len(text) + 1)
        new = text[:at] + "b" + text[at:]
        item = _Item(user_id, draft_id, Request("bench", n + 1, version, TEXT, "p1", generation,
                                                delta=make_delta(text, new)))
        began, cpu = time.perf_counter(), time.thread_time()
        committer._commit([item])
        if n >= warm_up:
            cpus.append((time.thread_time() - cpu) * 1e6)
            walls.append((time.perf_counter() - began) * 1e6)
        reply = item.future.result()
        if not reply.ok:
            raise SystemExit(f"keystroke {n} refused: {reply.error}")
        text, version = new, reply.seq
    committer._release()
    database.dispose()
    walls.sort()
    return {"keystrokes": keystrokes, "chars": chars, "synchronous": synchronous,
            "us_median": round(statistics.median(walls)), "us_p95": round(walls[int(len(walls) * 0.95)]),
            "us_cpu_mean": round(statistics.mean(cpus))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keystrokes", type=int, default=2000)
    parser.add_argument("--chars", type=int, default=200, help="the paragraph's length")
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        result = run(folder, args.keystrokes, args.chars, args.synchronous)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.keystrokes} keystrokes, one a batch, in a paragraph of {args.chars:,} characters "
              f"(SQLite, synchronous={args.synchronous})")
        print(f"  wall per keystroke: median {result['us_median']} us, p95 {result['us_p95']} us")
        print(f"  CPU of the committing thread per keystroke: {result['us_cpu_mean']} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
