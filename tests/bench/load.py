#!/usr/bin/env python3
"""Load benchmark of live co-drafting: N delegates typing into one draft over real sockets, on loopback.

    python tests/bench/load.py --clients N --rate R --duration S [--layout own|shared] [--url URL] [--json]

The workload and the measurement mirror the peers' harness (shared/bench/peer_load.py), so that the JSON line
it prints can be read beside theirs (same field names; `summarize_peers.py` tabulates both). See README.md here.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import random
import resource
import string
import sys
import tempfile
import threading
import time
import uuid
from array import array
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from editor.domain.scenario import load_scenario_file  # noqa: E402
from editor.services.demo import DEMO_PASSWORD, DEMO_SCENARIO  # noqa: E402
from editor.services.scenarios import username_for  # noqa: E402
from tests.bench.wire import WireSocket  # noqa: E402
from tests.live import LiveServer  # noqa: E402
from tests.sync_client import DraftClient, fetch_draft, login  # noqa: E402

now = time.perf_counter
CLK = os.sysconf("SC_CLK_TCK")
CONNECT_AT_ONCE = 20


# -- /proc, as the peers' harness reads it ---------------------------------------------------------------
def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def proc_mem_kb(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line.split(":")[0]] = int(line.split()[1])
    return found


def machine_busy_s() -> float:
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLK  # all but idle and iowait


def self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pct(sorted_values: Sequence[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


# -- the delegates -------------------------------------------------------------------------------------
@dataclass
class Delegate:
    """One simulated delegate: its client, what it typed (mark = count of keystrokes, with send times) and
    what it saw of the others (per author: the highest mark applied here, and when)."""

    index: int
    client: DraftClient
    shared: str  # the paragraph of the shared layout
    everyone: dict[str, Delegate]  # by client id
    sent_marks: array = field(default_factory=lambda: array("q"))
    sent_times: array = field(default_factory=lambda: array("d"))
    seen: dict[str, tuple[array, array]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.everyone[self.client.client_id] = self
        self.client.on_applied = self.applied

    @property
    def paragraph(self) -> str:
        """Its own paragraph in the own layout: named as its client, so new on a server reused with --url."""
        return self.client.client_id

    @property
    def header(self) -> str:
        return f"<{self.index}>"

    def applied(self, author: str, cseq: int, at: float) -> None:
        """Every keystroke of `author` up to its change `cseq` is applied here."""
        origin = self.everyone.get(author)
        if origin is None:
            return
        mark = origin.client.carried.get(cseq, 0)
        marks, times = self.seen.setdefault(author, (array("q"), array("d")))
        if mark and (not marks or mark > marks[-1]):
            marks.append(mark)
            times.append(at)

    def region(self, layout: str) -> tuple[str, int, int]:
        """Where this delegate may type: (paragraph, first offset, last offset)."""
        if layout == "own":
            return self.paragraph, 0, len(self.client.text(self.paragraph))
        text = self.client.text(self.shared)
        start = text.find(self.header) + len(self.header)
        end = text.find("<", start)
        return self.shared, start, len(text) if end < 0 else end


async def log_in_all(url: str, accounts: list[str]) -> dict[str, str]:
    """One after the other: each password check takes argon2's 64 MiB, and the server's peak memory should
    measure the editing, not a burst of logins."""
    return {name: await login(url, name, DEMO_PASSWORD) for name in accounts}


async def wait_until(check: Callable[[], bool], timeout: float, what: str) -> float:
    start = now()
    while not check():
        if now() - start > timeout:
            raise RuntimeError(f"{what} not within {timeout} s")
        await asyncio.sleep(0.02)
    return now() - start


# -- one run -------------------------------------------------------------------------------------------
async def run(args: argparse.Namespace, url: str, pid: int | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "peer": f"penholder-{args.layout}", "n": args.clients, "rate": args.rate, "duration": args.duration,
        "seed": args.seed, "layout": args.layout, "client": args.client,
        "loadavg_before": Path("/proc/loadavg").read_text().split()[:3],
    }
    members = load_scenario_file(DEMO_SCENARIO).members
    accounts = [username_for(name) for name in members]
    cookies = await log_in_all(url, accounts)
    everyone: dict[str, Delegate] = {}
    delegates: list[Delegate] = []
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    run_id = uuid.uuid4().hex[:8]  # (client, cseq) names a change for ever, also on a server reused with --url

    async def connect(index: int) -> Delegate:
        client = DraftClient(url, cookies[accounts[index % len(accounts)]], draft=args.draft,
                             client_id=f"bench-{run_id}-{index}",
                             socket=WireSocket() if args.client == "wire" else None)
        delegate = Delegate(index, client, f"bench-{run_id}", everyone)
        async with gate:
            await client.connect(60)
        return delegate

    try:
        started = now()
        delegates.extend(await asyncio.wait_for(asyncio.gather(*(connect(i) for i in range(args.clients))), 180))
        result["connect_s"] = round(now() - started, 2)
        result["setup_s"] = round(await set_up(args.layout, delegates), 2)
        await asyncio.sleep(0.5)
        result.update(await measure(args, delegates, url, cookies[accounts[0]], pid))
        return result
    finally:
        await asyncio.gather(*(d.client.close() for d in delegates), return_exceptions=True)


async def set_up(layout: str, delegates: list[Delegate]) -> float:
    """Own: every delegate inserts its paragraph. Shared: one paragraph, and every delegate writes its header
    into it. Not measured."""
    n = len(delegates)
    if layout == "own":
        wanted = len(delegates[0].client.paragraphs()) + n
        for d in delegates:
            d.client.add_paragraph(d.paragraph, len(d.client.paragraphs()))
        return await wait_until(lambda: all(len(d.client.paragraphs()) == wanted and d.client.idle()
                                            for d in delegates), 120, "own paragraphs")
    shared, first = delegates[0].shared, delegates[0].client
    first.add_paragraph(shared, len(first.paragraphs()))
    took = await wait_until(lambda: all(shared in d.client.paragraphs() for d in delegates), 60, "shared paragraph")
    for d in delegates:
        d.client.type(shared, len(d.client.text(shared)), d.header)
    return took + await wait_until(lambda: all(d.client.text(shared).count("<") == n and d.client.idle()
                                               for d in delegates), 120, "headers")


async def measure(args: argparse.Namespace, delegates: list[Delegate], url: str, cookie: str,
                  pid: int | None) -> dict[str, Any]:
    rng = random.Random(args.seed)
    stop = asyncio.Event()
    rss_peak = [0]
    lags: list[float] = []

    async def sample_memory() -> None:
        while not stop.is_set():
            if pid:
                rss_peak[0] = max(rss_peak[0], proc_mem_kb(pid).get("VmRSS", 0))
            await asyncio.sleep(0.25)

    async def probe_loop_lag() -> None:
        while not stop.is_set():
            before = now()
            await asyncio.sleep(0.05)
            lags.append(now() - before - 0.05)

    read_ms: list[float] = []

    async def read_meanwhile() -> None:
        """`--read`: someone else asks for a page of the history while everyone types (its `{seq}`: the
        change before the last one applied here), and the typing must not wait for it."""
        async with aiohttp.ClientSession(headers={"Cookie": cookie}) as http:
            while not stop.is_set():
                await asyncio.sleep(args.read_every)
                path = args.read.replace("{seq}", str(max(1, delegates[0].client.replica.seq - 1)))
                path = path.replace("{draft}", str(args.draft))
                before = now()
                async with http.get(f"{url}{path}") as answer:
                    answer.raise_for_status()
                    await answer.read()
                read_ms.append((now() - before) * 1e3)

    samplers = [asyncio.create_task(sample_memory()), asyncio.create_task(probe_loop_lag())]
    if args.read:
        samplers.append(asyncio.create_task(read_meanwhile()))
    cpu_server_0 = proc_cpu_s(pid) if pid else 0.0
    cpu_self_0, busy_0 = self_cpu_s(), machine_busy_s()
    t_start = now()
    t_end = t_start + args.duration
    interval = 1.0 / args.rate

    async def type_away(d: Delegate) -> None:
        r = random.Random(rng.random())
        due = now() + r.uniform(0, interval)
        while True:
            await asyncio.sleep(max(0.0, due - now()))
            if now() >= t_end:
                return
            paragraph, first, last = d.region(args.layout)
            offset = r.randint(first, last)
            sent_at = now()
            d.client.type(paragraph, offset, r.choice(string.ascii_lowercase))
            d.sent_marks.append(d.client.typed)
            d.sent_times.append(sent_at)
            due += interval * r.uniform(0.5, 1.5)

    await asyncio.gather(*(type_away(d) for d in delegates))
    typing_s = now() - t_start
    total_sent = sum(len(d.sent_marks) for d in delegates)

    def complete() -> bool:
        # Cheap checks first: comparing 193 whole documents every 50 ms would hold the event loop, and with
        # it the last deliveries that the latencies are still waiting for.
        if not all(d.client.idle() for d in delegates) or len({d.client.replica.seq for d in delegates}) > 1:
            return False
        documents = [d.client.document() for d in delegates]
        if any(doc != documents[0] for doc in documents):
            return False
        texts = {uid: text for uid, _, _, text in documents[0]}
        if args.layout == "own":
            return all(len(texts.get(d.paragraph, "")) == len(d.sent_marks) for d in delegates)
        headers = sum(len(d.header) for d in delegates)
        return len(texts.get(delegates[0].shared, "")) == headers + total_sent

    drain_start = now()
    converged = False
    while now() - drain_start < args.drain:
        if complete():
            converged = True
            break
        await asyncio.sleep(0.05)
    drain_s = now() - drain_start
    window_s = now() - t_start
    stop.set()
    await asyncio.gather(*samplers)
    cpu_self = self_cpu_s() - cpu_self_0
    busy = machine_busy_s() - busy_0
    cpu_server = proc_cpu_s(pid) - cpu_server_0 if pid else None
    server_text = {p["id"]: p["text"] for p in (await fetch_draft(url, cookie, args.draft))["paragraphs"]}
    client_text = {uid: text for uid, _, _, text in delegates[0].client.document()}

    latencies, last_applied = latency_pairs(delegates, t_start)
    ordered = sorted(latencies)
    lag_sorted = sorted(lags)
    texts = [tuple(d.client.document()) for d in delegates]
    errors = [e for d in delegates for e in d.client.errors]
    expected_pairs = total_sent * (len(delegates) - 1)

    def ms(value: float) -> float:
        return round(value * 1e3, 1)

    return {
        "_window": (t_start, t_start + window_s),  # for the server's log lines (main); not reported
        "connect_ok": len(delegates),
        "edits_sent": total_sent,
        "typing_s": round(typing_s, 2),
        "edits_sent_per_s": round(total_sent / typing_s, 1),
        "delivered_pairs": len(ordered),
        "expected_pairs": expected_pairs,
        "remote_applies_per_s": round(len(ordered) / max(1e-9, last_applied - t_start), 1),
        "lat_ms_p50": ms(pct(ordered, 0.50)) if ordered else None,
        "lat_ms_p95": ms(pct(ordered, 0.95)) if ordered else None,
        "lat_ms_p99": ms(pct(ordered, 0.99)) if ordered else None,
        "lat_ms_max": ms(ordered[-1]) if ordered else None,
        "converged": converged,
        "server_agrees": converged and server_text == client_text,
        "distinct_final_texts": len(set(texts)),
        "changes_sent": sum(len(d.client.carried) for d in delegates),
        "drain_s": round(drain_s, 2),
        "window_s": round(window_s, 2),
        "server_cpu_s": round(cpu_server, 2) if cpu_server is not None else None,
        "server_cpu_pct_of_core": round(100 * cpu_server / window_s, 1) if cpu_server is not None else None,
        "server_cpu_s_since_start": round(proc_cpu_s(pid), 2) if pid else None,
        "server_peak_rss_mb": round(rss_peak[0] / 1024, 1) if pid else None,
        "server_vmhwm_mb": round(proc_mem_kb(pid).get("VmHWM", 0) / 1024, 1) if pid else None,
        "harness_cpu_s": round(cpu_self, 2),
        "harness_cpu_pct_of_core": round(100 * cpu_self / window_s, 1),
        "other_procs_cpu_s": round(busy - cpu_self - (cpu_server or 0), 2),
        "harness_loop_lag_ms_p99": ms(pct(lag_sorted, 0.99)) if lags else None,
        "harness_loop_lag_ms_max": ms(lag_sorted[-1]) if lags else None,
        "rejoins": sum(d.client.joins - 1 for d in delegates),
        "client_errors": [repr(e) for e in errors[:3]],
        "client_error_count": len(errors),
        **({"read": args.read, "reads": len(read_ms), "read_ms_p50": round(pct(sorted(read_ms), 0.5), 1),
            "read_ms_max": round(max(read_ms), 1)} if read_ms else {}),
    }


def latency_pairs(delegates: list[Delegate], t_start: float) -> tuple[array, float]:
    """Every (keystroke, other delegate) pair: from just before the keystroke was typed to the moment that
    delegate had applied the change carrying it. Also the time of the last such application."""
    latencies = array("d")
    last = t_start
    for receiver in delegates:
        for origin in delegates:
            if origin is receiver:
                continue
            seen = receiver.seen.get(origin.client.client_id)
            if seen is None:
                continue
            marks, times = seen
            k = 0
            for mark, sent_at in zip(origin.sent_marks, origin.sent_times, strict=True):
                k = bisect.bisect_left(marks, mark, k)
                if k == len(marks):
                    break
                latencies.append(times[k] - sent_at)
                last = max(last, times[k])
    return latencies, last


# -- the server ------------------------------------------------------------------------------------------
SLOW_BATCH_LINE = b"changes took"  # in what the server's committer logs of a batch over its SLOW_BATCH


def keep_reading(stream: IO[bytes], tail: deque[bytes], slow: list[tuple[float, str]]) -> None:
    """Drain the server's output (a full pipe would stall it), keeping its last lines for a failure report
    and, with the time they came, the slow batches the server logged."""
    try:
        for line in stream:
            tail.append(line)
            if SLOW_BATCH_LINE in line:
                slow.append((now(), line.decode(errors="replace").strip()))
    except (ValueError, OSError):
        return  # LiveServer closed the pipe at stop


def with_history(database_url: str, revisions: int, seed: int) -> int:
    """`--history N`: the history benchmark's draft (200 paragraphs, N revisions by the Council's delegations,
    versions named along the way) in the database before the server starts; returns its id."""
    from editor import create_app
    from tests.bench.history import build

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "AUTO_MIGRATE": True})
    draft_id, _ = build(app, 200, revisions, seed)
    app.extensions["penholder.database"].dispose()
    return draft_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", "-n", type=int, default=15)
    parser.add_argument("--rate", type=float, default=5.0, help="inserts per second per delegate")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of typing")
    parser.add_argument("--layout", choices=("own", "shared"), default="own",
                        help="own: a paragraph per delegate; shared: one paragraph, a region per delegate")
    parser.add_argument("--url", help="a running server (loaded with the demo) instead of a fresh one")
    parser.add_argument("--server-pid", type=int, default=0, help="with --url: the pid to measure")
    parser.add_argument("--client", choices=("wire", "socketio"), default="wire",
                        help="the delegates' Socket.IO client: the lean one of wire.py, or python-socketio's")
    parser.add_argument("--draft", type=int, default=1)
    parser.add_argument("--drain", type=float, default=60.0, help="max seconds to wait for convergence")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=400.0, help="hard limit for the whole run")
    parser.add_argument("--history", type=int, default=0,
                        help="without --url: type into a draft of 200 paragraphs that has this many revisions")
    parser.add_argument("--read", help="a path to GET meanwhile, e.g. /api/drafts/{draft}/compare?from=1&to={seq}")
    parser.add_argument("--read-every", type=float, default=1.0, help="seconds between two --read requests")
    parser.add_argument("--label", default="")
    parser.add_argument("--out", help="append the JSON line to this file")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)

    server: LiveServer | None = None
    tail: deque[bytes] = deque(maxlen=40)
    slow: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory(prefix="penholder-bench-") as folder:
        try:
            if args.url:
                url, pid = args.url.rstrip("/"), args.server_pid or None
            else:
                database_url = f"sqlite:///{Path(folder) / 'bench.db'}"
                if args.history:
                    args.draft = with_history(database_url, args.history, args.seed)
                server = LiveServer(database_url, demo=True).start(60)
                assert server.process is not None and server.process.stdout is not None
                threading.Thread(target=keep_reading, args=(server.process.stdout, tail, slow), daemon=True).start()
                url, pid = server.url, server.process.pid
            result = asyncio.run(asyncio.wait_for(run(args, url, pid), args.timeout))
        except Exception as error:  # still record the failure, as the peers' harness does
            result = {"peer": f"penholder-{args.layout}", "n": args.clients, "rate": args.rate,
                      "duration": args.duration, "error": repr(error)[:500],
                      "server_log_tail": b"".join(tail).decode(errors="replace")[-2000:]}
        finally:
            if server is not None:
                server.stop()
    start, end = result.pop("_window", (0.0, 0.0))
    if server is not None and "error" not in result:  # the slow batches among the typing and the drain
        during = [line for at, line in slow if start <= at <= end + 1.0]
        result["server_slow_batches"] = len(during)
        result["server_slow_batch_lines"] = during[:5]
    result["label"] = args.label
    result["when"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    line = json.dumps(result)
    if args.out:
        with open(args.out, "a") as out:
            out.write(line + "\n")
    print(line if args.json else summary(result), flush=True)
    return 0 if "error" not in result else 1


def summary(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"FAILED: {result['error']}\n{result.get('server_log_tail', '')}"
    return "\n".join([
        f"{result['peer']}: {result['n']} delegates x {result['rate']}/s for {result['duration']} s",
        f"  latency ms  p50 {result['lat_ms_p50']}  p95 {result['lat_ms_p95']}  p99 {result['lat_ms_p99']}"
        f"  max {result['lat_ms_max']}  ({result['delivered_pairs']}/{result['expected_pairs']} pairs)",
        f"  edits sent/s {result['edits_sent_per_s']}  applied/s {result['remote_applies_per_s']}"
        f"  changes {result['changes_sent']} for {result['edits_sent']} keystrokes",
        f"  converged {result['converged']} (server agrees {result['server_agrees']}) after {result['drain_s']} s",
        f"  server CPU {result['server_cpu_s']} s ({result['server_cpu_pct_of_core']}% of a core)"
        f"  peak RSS {result['server_peak_rss_mb']} MB  VmHWM {result['server_vmhwm_mb']} MB",
        f"  harness CPU {result['harness_cpu_s']} s ({result['harness_cpu_pct_of_core']}%)"
        f"  loop lag p99 {result['harness_loop_lag_ms_p99']} ms  other CPU {result['other_procs_cpu_s']} s",
        *([f"  {result['reads']} reads of {result['read']}: median {result['read_ms_p50']} ms,"
           f" max {result['read_ms_max']} ms"] if "reads" in result else []),
        f"  rejoins {result['rejoins']}  client errors {result['client_error_count']} {result['client_errors']}",
        *([f"  slow batches the server logged: {result['server_slow_batches']}",
           *(f"    {line}" for line in result["server_slow_batch_lines"])]
          if result.get("server_slow_batches") else []),
        json.dumps(result),
    ])


if __name__ == "__main__":
    sys.exit(main())
