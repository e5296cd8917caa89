"""The JavaScript tests (tests/js/*.test.mjs, Node's built-in runner) as one pytest test."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests import support
from tests.live import PROJECT


def test_node_runs_the_javascript_tests():
    node = shutil.which("node")
    if node is None:
        support.unavailable("Node.js")
    result = subprocess.run(
        [node, "--test", "tests/js/"], cwd=PROJECT, capture_output=True, text=True, timeout=120, check=False
    )
    report = f"node --test tests/js/:\n{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, report
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) > 0, report  # a runner that found no test proves nothing
