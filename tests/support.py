"""Helpers the tests share: services that may be missing, and logging in through the real form."""

from __future__ import annotations

import os
import re

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def unavailable(what: str) -> None:
    """Skip a test whose browser or service is missing; in CI that is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available", pytrace=False)
    pytest.skip(f"{what} is not available")


def csrf_token(client, path: str = "/login") -> str:
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
