"""Plain data for JSON responses, from the use cases' results."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, stream_template

from editor.domain.document import NumberedParagraph
from editor.persistence.models import Draft, NamedVersion
from editor.services import give_way
from editor.services.drafting import DraftView


def draft_summary(draft: Draft) -> dict:
    return {
        "id": draft.id,
        "symbol": draft.symbol,
        "body": draft.body.name,
        "agenda_item": draft.agenda_item,
        "penholder": draft.penholder.name,
        "status": draft.status.value,
        "version": draft.version,
        "url": f"/drafts/{draft.id}",
    }


def paragraph(numbered: NumberedParagraph) -> dict:
    p = numbered.paragraph
    return {
        "id": p.uid,
        "kind": p.kind.value,
        "level": p.level,
        # "3" for operative paragraph 3, "(a)" for a sub-paragraph, None for a preambular paragraph.
        "number": numbered.label.rstrip(".") or None,
        "ref": numbered.ref,
        "text": p.text,
    }


def draft_detail(view: DraftView) -> dict:
    return {
        **draft_summary(view.draft),
        "organ": view.organ_line,
        "sponsors": view.sponsors,
        "generation": view.draft.generation,
        "paragraphs": [paragraph(p) for p in view.paragraphs],
    }


def version_summary(version: NamedVersion) -> dict:
    return {"name": version.name, "seq": version.seq, "final": version.final, "hash": version.content_hash,
            "at": version.created_at.isoformat(timespec="seconds"),
            "by": version.created_by.display_name if version.created_by else None}


def json_taking_turns(payload: dict[str, Any], key: str) -> Response:
    """`jsonify(payload)`, written an item of `payload[key]` at a time with turns between them
    (`editor.services.give_way`): the redline of a long history is 3 MB of JSON, 100-150 ms in one call."""
    body = give_way.dumps_in_turns(payload, key, lambda value: current_app.json.dumps(value, separators=(",", ":")))
    return current_app.response_class(body + "\n", mimetype=current_app.json.mimetype)


def render_taking_turns(template: str, **context: Any) -> str:
    """`render_template`, a piece at a time with turns between them (`editor.services.give_way`)."""
    step = give_way.stepper()
    pieces = []
    for piece in stream_template(template, **context):
        step()
        pieces.append(piece)
    return "".join(pieces)
