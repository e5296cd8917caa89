"""A press release as text, Markdown, HTML (a clean, print-friendly page) or JSON data."""

from __future__ import annotations

import json
from typing import Any

from flask import render_template

from editor.domain.press import Release
from editor.services.releases import content_of


def release_data(release: Release, outcome: dict[str, Any]) -> dict[str, Any]:
    return {**content_of(release), **outcome, "text": release.text()}


def render_release(release: Release, output: str, outcome: dict[str, Any]) -> str:
    if output == "markdown":
        return release.markdown()
    if output == "html":
        return render_template("release.html", release=release) + "\n"
    if output == "json":
        return json.dumps(release_data(release, outcome), ensure_ascii=False, indent=2) + "\n"
    return release.text()
