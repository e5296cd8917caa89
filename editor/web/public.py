"""The public side, without login: published releases (a page each, text, Markdown, JSON, an Atom feed) and
the adopted resolutions. Everything shown is escaped: Jinja's autoescape for pages, ElementTree for the feed."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, abort, render_template, url_for

from editor.extensions import db_session
from editor.services import press, releases
from editor.web.releases import release_data

bp = Blueprint("public", __name__)
ATOM = "http://www.w3.org/2005/Atom"
DOWNLOADS = {".txt": "text/plain", ".md": "text/markdown", ".json": "application/json"}


@bp.get("/releases")
def index():
    session = db_session()
    return render_template("releases.html", published=releases.published(session),
                           resolutions=releases.adopted_resolutions(session))


@bp.get("/releases/feed.atom")
def feed():
    session = db_session()
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}title").text = "Penholder: press releases"
    ET.SubElement(root, f"{{{ATOM}}}id").text = url_for("public.index", _external=True)
    ET.SubElement(root, f"{{{ATOM}}}link", href=url_for("public.feed", _external=True), rel="self")
    items = releases.published(session)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = items[0].version.published_at if items else "1970-01-01T00:00:00Z"
    for item in items:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        address = url_for("public.release", symbol=item.symbol, _external=True)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = address
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{item.symbol}: {item.version.release.headline}"
        ET.SubElement(entry, f"{{{ATOM}}}link", href=address)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = item.version.published_at
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = item.version.release.paragraphs[0]
        ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = item.version.release.text()
    body = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/releases/<path:symbol>")
def release(symbol: str):
    """A published release: its page, or `.txt`, `.md`, `.json` after the symbol for a download."""
    suffix = next((s for s in DOWNLOADS if symbol.endswith(s)), None)
    found = releases.published_release(db_session(), symbol[: -len(suffix)] if suffix else symbol)
    drafted = found.version.release
    if suffix is None:
        return render_template("release.html", release=drafted, published=found)
    if suffix == ".json":
        body = json.dumps({**release_data(drafted, {}), "version": found.version.number,
                           "published_at": found.version.published_at,
                           "correction": found.version.correction_note}, ensure_ascii=False, indent=2)
    else:
        body = drafted.text() if suffix == ".txt" else drafted.markdown()
    name = found.symbol.replace("/", "-") + suffix
    return Response(body, mimetype=DOWNLOADS[suffix], headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.get("/resolutions/<path:symbol>")
def resolution(symbol: str):
    found = next((r for r in releases.adopted_resolutions(db_session()) if r.symbol == symbol), None)
    if found is None:
        abort(404, description=f"There is no resolution {symbol}.")
    return render_template("resolution.html", resolution=found,
                           paragraphs=press.resolution_text(found.body.name, found.text))
