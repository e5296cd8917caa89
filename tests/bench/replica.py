"""What one incoming change costs a delegate's replica: the JSON of the `changes` message, `Change.from_wire`
and `Replica.receive`, in one shared paragraph of N regions (the load benchmark's `shared` layout).

    .venv/bin/python tests/bench/replica.py                  # 193 regions, 2,000 changes
    .venv/bin/python tests/bench/replica.py --regions 50 --json

Prints microseconds per change: with no typing of the replica's own in the paragraph (it reads the delta
into its text) and with typing (it carries its typing over each change), and the parts of the first case.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from editor.domain.sync import Change, Replica, make_delta  # noqa: E402


def messages(regions: int, count: int) -> tuple[str, list[str]]:
    """The paragraph as typing starts (every region's header and ten letters) and `count` messages, each
    one single-letter insert of another delegate, as the server broadcasts them."""
    start = "".join(f"<{i}>abcdefghij" for i in range(regions))
    text, out = start, []
    for k in range(count):
        at = (k * 37) % len(text)
        new = text[:at] + "x" + text[at:]
        change = {"seq": 2 + k, "op": "text", "paragraph": "p1", "client": f"bench-{k % regions}", "cseq": k,
                  "delegation": "Peru", "colour": "#8b4513", "user": "Peru (penholder)",
                  "at": "2026-11-30T06:37:03.409+00:00", "delta": make_delta(text, new)}
        out.append('["changes",' + json.dumps({"draft": 1, "changes": [change]}) + "]")
        text = new
    return start, out


def per_change(start: str, wire: list[str], typing: bool) -> float:
    replica = Replica("me", {"generation": "g", "seq": 1, "paragraphs": [
        {"id": "p1", "kind": "operative", "level": 0, "text": start}]})
    if typing:
        replica.edit("p1", replica.text("p1") + "Z")
    began = time.perf_counter()
    for message in wire:
        _, body = json.loads(message)
        replica.receive(body["changes"])
    return (time.perf_counter() - began) / len(wire) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=193)
    parser.add_argument("--changes", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    start, wire = messages(args.regions, args.changes)
    bodies = [json.loads(m)[1]["changes"][0] for m in wire]
    began = time.perf_counter()
    for message in wire:
        json.loads(message)
    json_us = (time.perf_counter() - began) / len(wire) * 1e6
    began = time.perf_counter()
    for body in bodies:
        Change.from_wire(body)
    from_wire_us = (time.perf_counter() - began) / len(wire) * 1e6
    result = {"regions": args.regions, "chars": len(start), "changes": args.changes,
              "us_no_typing": round(per_change(start, wire, False), 1),
              "us_typing": round(per_change(start, wire, True), 1),
              "us_json": round(json_us, 1), "us_from_wire": round(from_wire_us, 1)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.regions} regions, {len(start):,} characters at the start, {args.changes} changes")
        print(f"  per change, no typing of its own: {result['us_no_typing']} us "
              f"(JSON {result['us_json']}, Change.from_wire {result['us_from_wire']})")
        print(f"  per change, carrying its typing over: {result['us_typing']} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
