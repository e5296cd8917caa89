from tests import support
from tests.conftest import PASSWORD


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
