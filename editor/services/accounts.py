"""Accounts: creating them, setting passwords, and checking a login."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.persistence.models import Delegation, Role, User
from editor.services import audit
from editor.services.errors import InvalidInput, NotFound
from editor.services.permissions import Action, require

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# Checked when the name is unknown, so that a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")
SECRETARIAT_ROLES = {Role.PRESS_OFFICER, Role.OBSERVER}


def use_hash_parameters(parameters: Parameters) -> None:
    """Change the hasher's cost (the tests use argon2's cheapest profile; accounts hashed with other
    parameters still verify, and are rehashed at their next login)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"A password has at least {MIN_PASSWORD} characters.")
    return _hasher.hash(password)


def parse_role(value: str) -> Role:
    try:
        return Role(value.replace("-", "_"))
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise InvalidInput(f"Unknown role {value!r}; roles are: {names}.") from None


def find_delegation(session: Session, name: str) -> Delegation:
    delegation = session.scalar(select(Delegation).where(Delegation.name == name))
    if delegation is None:
        raise NotFound(f"Unknown delegation {name!r}: delegations come with a scenario (`flask scenario load`).")
    return delegation


def create_user(
    session: Session,
    actor: object,
    username: str,
    role: Role,
    delegation_name: str | None = None,
    password: str | None = None,
    display_name: str | None = None,
    demo: bool = False,
) -> User:
    require(session, actor, Action.ADMINISTER)
    if not USERNAME.match(username):
        raise InvalidInput("A user name is 2 to 64 lower-case letters, digits, dots, dashes or underscores.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"User {username!r} exists already.")
    if role in SECRETARIAT_ROLES and delegation_name:
        raise InvalidInput(f"A {role.value.replace('_', ' ')} belongs to the Secretariat, not to a delegation.")
    if role not in SECRETARIAT_ROLES and not delegation_name:
        raise InvalidInput(f"A {role.value} belongs to a delegation: name it with --delegation.")
    delegation = find_delegation(session, delegation_name) if delegation_name else None
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        delegation=delegation,
        password_hash=hash_password(password) if password is not None else None,
        demo=demo,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", f"user:{user.id}",
                 {"username": username, "role": role.value, "delegation": delegation_name})
    return user


def set_password(session: Session, actor: object, username: str, password: str) -> User:
    require(session, actor, Action.ADMINISTER)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user {username!r}.")
    user.password_hash = hash_password(password)
    audit.record(session, actor, "user.password", f"user:{user.id}", {"username": username})
    return user


def list_users(session: Session, actor: object) -> list[User]:
    require(session, actor, Action.ADMINISTER)
    return list(session.scalars(select(User).order_by(User.username)))


# Each argon2 check takes 64 MiB by design; a burst of logins on the threaded server would take that many
# times over (15 at once reached 1 GB). Checks beyond this many wait their turn instead.
_CONCURRENT_CHECKS = threading.BoundedSemaphore(4)


def _in_place(work: Callable[[], Any]) -> Any:
    return work()


_run_hashing: Callable[[Callable[[], Any]], Any] = _in_place


def run_hashing_with(runner: Callable[[Callable[[], Any]], Any]) -> None:
    """How a login's argon2 work runs: in place (threads), or on a native thread when the server runs on
    an event loop (gevent), where its tens of milliseconds would otherwise stall every delegate's typing."""
    global _run_hashing
    _run_hashing = runner


def _matches(stored: str, password: str) -> bool:
    """A wrong password is an answer, not an error of the thread that checked it (gevent's pool prints a
    traceback for every task that raises)."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def account_name(typed: str) -> str:
    """The account a typed user name means: "Peru " is peru."""
    return typed.strip().lower()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user whose name and password these are, or None, whichever of the two was wrong."""
    user = session.scalar(select(User).where(User.username == account_name(username)))
    stored = user.password_hash if user is not None and user.password_hash else None
    with _CONCURRENT_CHECKS:
        matches = _run_hashing(lambda: _matches(stored or _DUMMY_HASH, password))
    if not matches or stored is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _run_hashing(lambda: _hasher.hash(password))
    return user


def load_user(session: Session, user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.is_active else None
