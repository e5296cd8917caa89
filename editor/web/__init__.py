"""HTTP: one blueprint per feature; each route parses input, calls one use case and renders the result."""

from __future__ import annotations

from flask import Flask

from editor.domain.text import ordinal
from editor.web import api, auth, errors, pages, press_office, public, votes


def init_app(app: Flask) -> None:
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(votes.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(press_office.bp)
    errors.init_app(app)
    app.add_template_filter(ordinal)
