from editor.extensions import socketio
from tests import support
from tests.conftest import PASSWORD


def test_anonymous_sockets_are_refused(app):
    client = socketio.test_client(app, namespace="/drafts", flask_test_client=app.test_client())
    assert not client.is_connected("/drafts")


def test_a_logged_in_delegate_connects(app, seed):
    http = app.test_client()
    support.login(http, "kuwait", PASSWORD)
    client = socketio.test_client(app, namespace="/drafts", flask_test_client=http)
    assert client.is_connected("/drafts")
    client.disconnect(namespace="/drafts")
