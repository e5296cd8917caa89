"""The load benchmark runs end to end, with a reader of a long history beside the typists (its figures are
not asserted: they are the benchmark's to print)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def test_the_load_benchmark_types_into_a_draft_with_a_history_while_someone_reads_its_redline():
    run = subprocess.run(
        [sys.executable, "tests/bench/load.py", "--clients", "3", "--rate", "5", "--duration", "2", "--history",
         "120", "--read", "/api/drafts/{draft}/redline?from=zero%20draft", "--read-every", "0.2", "--json"],
        cwd=PROJECT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["converged"] and result["server_agrees"] and result["client_error_count"] == 0
    assert result["delivered_pairs"] == result["expected_pairs"] > 0
    assert result["reads"] >= 3 and result["read_ms_max"] > 0
    assert isinstance(result["server_slow_batches"], int) and "_window" not in result


def test_the_benchmark_keeps_the_slow_batches_the_server_logs_with_when_they_came():
    sys.path.insert(0, str(PROJECT))
    from tests.bench import load

    lines = [b"Penholder on http://127.0.0.1:5000/\n",
             b"2026-11-30 14:00:00,000 WARNING editor.realtime.committer: a batch of 3 changes took 290 ms: "
             b"statements 1, commit 288, broadcast and replies 1\n",
             b"GET /login 200\n"]
    tail, slow = load.deque(maxlen=40), []
    before = load.now()
    load.keep_reading(iter(lines), tail, slow)
    assert len(tail) == 3
    [(at, line)] = slow
    assert at >= before and line.endswith("commit 288, broadcast and replies 1")
