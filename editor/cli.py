"""Commands for the operator at the server: `flask --app wsgi user|scenario|db|audit|body ...`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from editor.domain.scenario import ScenarioError, load_scenario_file
from editor.extensions import database
from editor.persistence import migrate
from editor.persistence.db import Database
from editor.services import accounts, audit, bodies, demo, press, scenarios, voting
from editor.services.errors import ServiceError
from editor.services.permissions import SYSTEM
from editor.web.releases import render_release

user_cli = AppGroup("user", help="Accounts.")
scenario_cli = AppGroup("scenario", help="Scenarios (penholder-scenario/1 files).")
db_cli = AppGroup("db", help="The database schema (Alembic migrations).")
audit_cli = AppGroup("audit", help="The hash-chained audit log.")
body_cli = AppGroup("body", help="The bodies: who presides in which month.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, help="delegate, penholder, presidency, press_officer or observer")
@click.option("--delegation", default=None, help='The member State, e.g. "Peru" (none for the Secretariat).')
@click.option("--name", "display_name", default=None, help="The name shown to others.")
def create_user(username: str, role: str, delegation: str | None, display_name: str | None) -> None:
    """Create an account; the password is read from a prompt, or from standard input when piped."""
    try:
        parsed_role = accounts.parse_role(role)
        password = _read_password()
        with database().session() as session:
            user = accounts.create_user(session, SYSTEM, username, parsed_role, delegation, password, display_name)
            click.echo(f"Created {user.username} ({user.role.value}, {user.affiliation}).")
    except ServiceError as error:
        _fail(error.message)


@user_cli.command("password")
@click.argument("username")
def set_password(username: str) -> None:
    """Set an account's password (read as for `user create`)."""
    try:
        password = _read_password()
        with database().session() as session:
            accounts.set_password(session, SYSTEM, username, password)
        click.echo(f"Password of {username} set.")
    except ServiceError as error:
        _fail(error.message)


@user_cli.command("list")
def list_users() -> None:
    """List the accounts."""
    with database().session() as session:
        for user in accounts.list_users(session, SYSTEM):
            state = "" if user.password_hash else "  (no password yet)"
            click.echo(f"{user.username:28} {user.role.value:14} {user.affiliation}{state}")


@scenario_cli.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--demo", "demo_mode", is_flag=True, help="Give the accounts the published demo password.")
@click.option("--until", type=click.Choice([scenarios.OUTCOME, scenarios.DRAFTING]), default=scenarios.OUTCOME,
              show_default=True, help="Through the vote and its outcome, or stop while the text is being drafted.")
def load(path: str, demo_mode: bool, until: str) -> None:
    """Validate a scenario file and load its body, members, accounts and draft with its tracked revisions;
    then put the text in blue, hold the meeting, record the statements and the vote, and close it with its
    outcome and resolution number. Nothing is written when the file is invalid or a step is refused."""
    try:
        scenario = load_scenario_file(path)
        with database().session() as session:
            report = scenarios.load_scenario(
                session, SYSTEM, scenario, demo_password=demo.DEMO_PASSWORD if demo_mode else None, until=until
            )
            draft_id, status = report.draft.id, report.draft.status.value
    except (ScenarioError, ServiceError) as error:
        _fail(f"{path}: {error}")
    click.echo(f"Loaded draft {draft_id} ({scenario.draft.agenda_item}), {status}; "
               f"{len(report.accounts)} accounts created.")
    for username, role, affiliation in report.accounts:
        click.echo(f"  {username:28} {role:14} {affiliation}")
    if not demo_mode and report.accounts:
        click.echo("Set their passwords with `flask --app wsgi user password NAME`.")


@scenario_cli.command("run")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "output", type=click.Choice(["text", "markdown", "html", "json"]), default="text",
              show_default=True)
@click.option("--database", "database_url", help="Replay into this (empty) database instead of a fresh one.")
@click.option("--full-text", is_flag=True, help="End the release with the full text of the resolution.")
def run(path: str, output: str, database_url: str | None, full_text: bool) -> None:
    """Replay a scenario through the real services, from the first text to the closed vote, into a fresh
    database of its own (or --database), and print the press release drafted from the record."""
    try:
        scenario = load_scenario_file(path)
    except ScenarioError as error:
        _fail(f"{path}: {error}")
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'scenario.db'}"
        migrate.upgrade(url)
        replay = Database(url)
        try:
            with replay.session() as session:
                report = scenarios.load_scenario(session, SYSTEM, scenario)
                vote = voting.vote_of(session, report.draft.id)
                release = press.draft_for_vote(session, vote.id, full_text)
                outcome = press.outcome_of(session, vote.id)
        except ServiceError as error:
            _fail(f"{path}: {error.message}")
        finally:
            replay.dispose()
    click.echo(render_release(release, output, outcome), nl=False)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the schema (to the latest revision by default)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" removes every table)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@audit_cli.command("verify")
def verify() -> None:
    """Walk the audit log's hash chain; name the first entry that was changed or removed."""
    with database().session() as session:
        check = audit.verify_chain(session)
    if check.ok:
        click.echo(f"Audit log intact: {check.entries} entries.")
        return
    _fail(f"audit log broken at entry {check.first_bad_id}: {check.problem}.")


@body_cli.command("presidency")
@click.argument("body")
@click.argument("month")
@click.argument("member")
def presidency(body: str, month: str, member: str) -> None:
    """MEMBER presides BODY in MONTH (YYYY-MM): its presidency accounts convene meetings and run votes then."""
    try:
        with database().session() as session:
            bodies.assign_presidency(session, SYSTEM, body, month, member)
    except ServiceError as error:
        _fail(str(error.message))
    click.echo(f"{member} presides the {body} in {month}.")


def init_app(app: Flask) -> None:
    for group in (user_cli, scenario_cli, db_cli, audit_cli, body_cli):
        app.cli.add_command(group)
