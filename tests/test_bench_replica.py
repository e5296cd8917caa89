"""The replica micro-benchmark runs and reports what it says it does (its figures are not asserted)."""

from __future__ import annotations

import json

from tests.bench import replica


def test_the_replica_benchmark_prints_its_figures(capsys):
    start, wire = replica.messages(regions=5, count=20)
    assert start.count("<") == 5 and len(wire) == 20
    assert replica.main(["--regions", "5", "--changes", "20", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["regions"] == 5 and figures["changes"] == 20
    assert all(figures[key] > 0 for key in ("us_no_typing", "us_typing", "us_json", "us_from_wire"))
