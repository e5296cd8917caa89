"""The /drafts namespace. Live editing arrives with the co-drafting work; for now a connection is only
accepted from a logged-in user, so that nothing on the socket is ever open to anonymous visitors."""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import Namespace

NAMESPACE = "/drafts"


class DraftsNamespace(Namespace):
    def on_connect(self, auth=None):
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("Please log in.")
