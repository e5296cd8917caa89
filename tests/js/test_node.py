"""The JavaScript tests (tests/js/*.test.mjs, Node's built-in runner) as one pytest test."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests import support
from tests.live import PROJECT


def test_node_runs_the_javascript_tests():
    node = shutil.which("node")
    if node is None:
        support.unavailable("Node.js")
    result = subprocess.run(
        [node, "--test", "tests/js/"], cwd=PROJECT, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"node --test tests/js/ failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
