"""The app for a WSGI server or `flask --app wsgi`; run directly, it serves HTTP and Socket.IO.

    python wsgi.py [--demo]

On an empty embedded database (or with --demo) it loads the seed's scenario as demo data and prints the
demo logins.
"""

from __future__ import annotations

if __name__ == "__main__":
    # Serving: one gevent event loop instead of a reader and a writer thread per connection. The patch must
    # come before anything imports socket, threading or queue.
    from gevent import monkey

    monkey.patch_all()

import logging  # noqa: E402
import sys  # noqa: E402

from editor import create_app  # noqa: E402
from editor.extensions import socketio  # noqa: E402
from editor.services import demo  # noqa: E402
from editor.serving import serve  # noqa: E402

app = create_app()


def prepare_demo(force: bool) -> list[tuple[str, str, str]]:
    database = app.extensions["penholder.database"]
    with database.session() as session:
        wanted = force or (app.config["EMBEDDED_DATABASE"] and demo.is_empty(session))
        if wanted and not demo.has_demo(session):
            demo.load_demo(session)
    with database.session() as session:
        return demo.demo_logins(session)


def main(argv: list[str]) -> None:
    # The server's own warnings (a slow batch, a failed checkpoint) with their time, level and origin.
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.WARNING)
    logins = prepare_demo(force="--demo" in argv)
    host, port = app.config["HOST"], app.config["PORT"]
    if logins:
        print(f"Demo logins (password: {demo.DEMO_PASSWORD}):")
        for username, role, affiliation in logins:
            print(f"  {username:28} {role:14} {affiliation}")
    print(f"Penholder on http://{host}:{port}/", flush=True)
    serve(app, socketio, host, port)


if __name__ == "__main__":
    main(sys.argv[1:])
