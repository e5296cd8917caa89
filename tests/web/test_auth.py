import uuid

import redis

from editor import create_app
from tests import support
from tests.conftest import PASSWORD

REDIS = "redis://127.0.0.1:6379"


def test_login_page_carries_a_csrf_token(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert support.CSRF_FIELD.search(page.get_data(as_text=True))


def test_a_delegate_logs_in_and_out(client, seed):
    response = support.login(client, "peru", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Peru" in home.get_data(as_text=True)
    logout = client.post("/logout", data={"csrf_token": support.csrf_token(client, "/")})
    assert logout.status_code == 302 and logout.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, seed):
    wrong = support.login(client, "peru", "not the password")
    unknown = support.login(client, "atlantis", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        body = response.get_data(as_text=True)
        assert body.count("Invalid user name or password.") == 1
    assert "atlantis" in unknown.get_data(as_text=True)  # the name typed is kept in the field


def test_posting_without_a_csrf_token_is_refused(client, seed):
    response = client.post("/login", data={"username": "peru", "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in


def test_logout_needs_a_post_with_a_token(client, seed):
    support.login(client, "peru", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_session_cookie_is_httponly_and_samesite(client, seed):
    response = support.login(client, "peru", PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_redirects_only_within_the_site(client, seed):
    token = support.csrf_token(client)
    data = {"username": "peru", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=https://evil.example/x", data=data)
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": support.csrf_token(client, "/")})
    response = client.post("/login?next=/drafts/1", data={**data, "csrf_token": support.csrf_token(client)})
    assert response.headers["Location"] == "/drafts/1"


def test_pages_send_the_anonymous_to_login(client):
    response = client.get("/drafts/1")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/drafts/1")


def test_failed_logins_are_limited_per_account_and_address_and_right_ones_never_count(client, seed):
    for _ in range(8):  # logging in and out all day costs nothing
        assert support.login(client, "peru", PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": support.csrf_token(client, "/")})
    for _ in range(5):
        assert support.login(client, "peru", "a guess").status_code == 401
    refused = support.login(client, "peru", PASSWORD)  # the right password too, until the minute has passed
    assert refused.status_code == 429
    body = refused.get_data(as_text=True)
    assert "Too many failed logins" in body and 'value="peru"' in body
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get("/").status_code == 302  # not logged in
    assert support.login(client, "PERU ", "a guess").status_code == 429  # the same account, however typed
    assert support.login(client, "france", PASSWORD).status_code == 302  # another account from here


def test_failed_logins_from_one_address_are_limited_whatever_the_account(database_url, database, seed):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                      "AUTO_MIGRATE": False, "LOGIN_FAILURES_PER_ADDRESS": "3 per hour"})
    try:
        client = app.test_client()
        for name in ("peru", "france", "china"):
            assert support.login(client, name, "a guess").status_code == 401
        assert support.login(client, "germany", PASSWORD).status_code == 429
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.7"  # another address is not refused
        assert support.login(other, "germany", PASSWORD).status_code == 302
    finally:
        app.extensions["penholder.database"].dispose()


def test_failed_logins_are_counted_in_redis_where_every_process_sees_them(database_url, database, seed):
    """Processes behind one load balancer, or one started again: an attacker gains nothing by switching. A
    new app here starts with nothing of its own (the counts in memory go with the extension's set-up)."""
    try:
        server = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
        server.ping()
    except redis.RedisError:
        support.unavailable("Redis")
    prefix = f"test-{uuid.uuid4().hex}"
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": prefix}
    apps = []
    try:
        apps.append(create_app(settings))
        for _ in range(5):
            assert support.login(apps[0].test_client(), "peru", "a guess").status_code == 401
        assert server.keys(f"*{prefix}*")  # the counts are in Redis
        apps.append(create_app(settings))  # another process
        assert support.login(apps[1].test_client(), "peru", PASSWORD).status_code == 429
        apps.append(create_app({**settings, "RATELIMIT_STORAGE_URI": "memory://"}))  # the same, counting alone
        assert support.login(apps[2].test_client(), "peru", PASSWORD).status_code == 302
    finally:
        for app in apps:
            app.extensions["penholder.database"].dispose()
        for key in server.keys(f"*{prefix}*"):
            server.delete(key)


def test_behind_a_trusted_proxy_each_client_is_counted_and_otherwise_the_header_is_ignored(database_url, database,
                                                                                            seed):
    """Behind a load balancer every connection comes from it: without reading X-Forwarded-For, one client's
    guesses would lock every delegation out. Without a proxy, the header is the client's to forge."""

    def guesses_until_refused(trusted: int) -> list[int]:
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                          "AUTO_MIGRATE": False, "LOGIN_FAILURES_PER_ADDRESS": "2 per hour",
                          "TRUSTED_PROXIES": trusted})
        try:
            codes = []
            for n in range(3):  # three clients, each guessing once, each with its own forwarded address
                client = app.test_client()
                client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{n + 1}"
                codes.append(support.login(client, "peru", "a guess").status_code)
            return codes
        finally:
            app.extensions["penholder.database"].dispose()

    assert guesses_until_refused(trusted=1) == [401, 401, 401]  # three addresses, one guess each
    assert guesses_until_refused(trusted=0) == [401, 401, 429]  # one address, whatever the header says


def test_logins_go_on_when_the_redis_of_the_limits_is_down(database_url, database, seed):
    """A Redis that has gone away must not lock everyone out during a vote: the process counts for itself."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                      "AUTO_MIGRATE": False, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1",
                      "LOGIN_FAILURES_PER_ADDRESS": "2 per hour"})
    try:
        client = app.test_client()
        assert support.login(client, "peru", "a guess").status_code == 401
        assert support.login(client, "france", PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": support.csrf_token(client, "/")})
        assert support.login(client, "peru", "a guess").status_code == 401
        assert support.login(client, "peru", PASSWORD).status_code == 429  # still counted, in memory
    finally:
        app.extensions["penholder.database"].dispose()
