import pytest
from sqlalchemy import select

from editor.persistence.models import AuditEntry, Role, User
from editor.services import accounts
from editor.services.errors import InvalidInput, NotFound, PermissionDenied
from editor.services.permissions import SYSTEM
from tests.conftest import PASSWORD


def test_passwords_are_stored_as_argon2_hashes(session, seed):
    peru = session.scalar(select(User).where(User.username == "peru"))
    assert peru.password_hash.startswith("$argon2id$")
    assert PASSWORD not in peru.password_hash


def test_authenticate_says_nothing_about_which_part_was_wrong(session, seed):
    assert accounts.authenticate(session, "peru", PASSWORD).username == "peru"
    assert accounts.authenticate(session, "Peru ", PASSWORD).username == "peru"
    assert accounts.authenticate(session, "peru", "wrong password") is None
    assert accounts.authenticate(session, "nobody", PASSWORD) is None


def test_an_account_without_password_or_inactive_cannot_log_in(session, seed, make_user):
    with session.begin_nested():
        accounts.create_user(session, SYSTEM, "nopass", Role.DELEGATE, "Peru")
    assert accounts.authenticate(session, "nopass", "") is None
    peru = session.scalar(select(User).where(User.username == "peru"))
    peru.active = False
    assert accounts.authenticate(session, "peru", PASSWORD) is None


@pytest.mark.parametrize(
    ("username", "role", "delegation", "password", "message"),
    [
        ("Bad Name", Role.DELEGATE, "Peru", PASSWORD, "lower-case"),
        ("peru", Role.DELEGATE, "Peru", PASSWORD, "exists already"),
        ("officer", Role.PRESS_OFFICER, "Peru", PASSWORD, "Secretariat"),
        ("lonely", Role.DELEGATE, None, PASSWORD, "--delegation"),
        ("shorty", Role.DELEGATE, "Peru", "short", "at least 8"),
    ],
)
def test_create_user_refuses_bad_input(session, seed, username, role, delegation, password, message):
    with pytest.raises(InvalidInput, match=message):
        accounts.create_user(session, SYSTEM, username, role, delegation, password)


def test_create_user_needs_a_known_delegation_and_an_administrator(session, seed):
    with pytest.raises(NotFound, match="Unknown delegation 'Narnia'"):
        accounts.create_user(session, SYSTEM, "narnia", Role.DELEGATE, "Narnia", PASSWORD)
    peru = session.scalar(select(User).where(User.username == "peru"))
    with pytest.raises(PermissionDenied):
        accounts.create_user(session, peru, "friend", Role.DELEGATE, "Peru", PASSWORD)


def test_creating_a_user_is_audited(session, seed):
    before = session.query(AuditEntry).count()
    accounts.create_user(session, SYSTEM, "peru-2", Role.DELEGATE, "Peru", PASSWORD)
    entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert session.query(AuditEntry).count() == before + 1
    assert entry.action == "user.create" and '"username":"peru-2"' in entry.payload


def test_parse_role_accepts_dashes_and_names_the_roles(seed):
    assert accounts.parse_role("press-officer") is Role.PRESS_OFFICER
    with pytest.raises(InvalidInput, match="delegate, penholder"):
        accounts.parse_role("king")


def test_password_checks_run_at_most_four_at_a_time(database, make_user, monkeypatch):
    """Each argon2 check holds 64 MiB: a burst of logins must not multiply that without bound."""
    import threading
    import time

    make_user("burst", "press_officer")
    running, peak, lock = 0, 0, threading.Lock()
    real = accounts._hasher

    class CountingHasher:
        def verify(self, stored, password):
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1
            return real.verify(stored, password)

    monkeypatch.setattr(accounts, "_hasher", CountingHasher())

    def log_in():
        with database.session() as session:
            accounts.authenticate(session, "burst", "wrong password")

    threads = [threading.Thread(target=log_in) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 4


def test_password_checks_run_where_the_server_says(session, seed, monkeypatch):
    """Under gevent the app hands argon2 to native threads: a login must not stall the event loop."""
    elsewhere = []

    def runner(work):
        elsewhere.append(work)
        return work()

    monkeypatch.setattr(accounts, "_run_hashing", accounts._in_place)
    accounts.run_hashing_with(runner)
    assert accounts.authenticate(session, "peru", PASSWORD) is not None
    assert accounts.authenticate(session, "peru", "wrong password") is None
    assert len(elsewhere) == 2


def test_a_wrong_password_is_an_answer_of_the_hashing_work_not_an_error(session, seed, monkeypatch):
    """gevent's pool of native threads prints a traceback for every task that raises: one per failed login
    in the server's log, which reads as a fault. The work handed to it answers False instead."""
    answers = []

    def runner(work):
        answers.append(work())  # a task that raised would fail here
        return answers[-1]

    monkeypatch.setattr(accounts, "_run_hashing", accounts._in_place)
    accounts.run_hashing_with(runner)
    assert accounts.authenticate(session, "peru", "wrong password") is None
    assert accounts.authenticate(session, "nobody", PASSWORD) is None
    assert answers == [False, False]
