"""The committer micro-benchmark runs and reports what it says it does (its figures are not asserted)."""

from __future__ import annotations

import json

from tests.bench import committer


def test_the_committer_benchmark_commits_every_keystroke_and_prints_its_figures(capsys):
    assert committer.main(["--keystrokes", "20", "--chars", "50", "--synchronous", "NORMAL", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["keystrokes"] == 20 and figures["chars"] == 50 and figures["synchronous"] == "NORMAL"
    assert all(figures[key] > 0 for key in ("us_median", "us_p95", "us_cpu_mean"))
