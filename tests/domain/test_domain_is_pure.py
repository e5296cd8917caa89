"""The domain imports nothing from the web framework or the database layer."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "editor" / "domain"
FORBIDDEN = {"flask", "sqlalchemy", "alembic", "werkzeug"}


def forbidden_imports(source: str) -> list[str]:
    """Module names imported by `source` that the domain must not depend on."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in FORBIDDEN or top.startswith("flask_"):
                found.append(name)
    return found


def domain_files() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def test_domain_package_has_modules():
    names = {path.name for path in domain_files()}
    assert {"__init__.py", "bodies.py", "document.py", "scenario.py"} <= names


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.name)
def test_module_imports_no_framework(path):
    assert forbidden_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "import flask",
    "import flask_socketio as sio",
    "from flask import Flask",
    "from flask_login import current_user",
    "import sqlalchemy.orm",
    "from sqlalchemy.orm import Mapped",
    "import alembic",
    "from werkzeug.exceptions import NotFound",
    "def f():\n    import flask\n",
])
def test_checker_catches_forbidden_imports(source):
    assert forbidden_imports(source)


@pytest.mark.parametrize("source", [
    "import json", "from editor.domain import bodies", "from . import document",
    "import re", "import flaskish",
])
def test_checker_allows_other_imports(source):
    assert forbidden_imports(source) == []
