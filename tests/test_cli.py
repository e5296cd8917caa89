import json

from sqlalchemy import func, select

from editor.persistence.models import AuditEntry, Draft, User
from editor.services.demo import DEMO_SCENARIO


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_user_create_reads_the_password_from_standard_input(runner, session, seed):
    result = runner.invoke(args=["user", "create", "peru-2", "--delegation", "Peru", "--role", "penholder"],
                           input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "Created peru-2 (penholder, Peru)." in result.output
    from editor.services import accounts

    assert accounts.authenticate(session, "peru-2", "a long enough secret").role.value == "penholder"


def test_user_create_explains_a_refusal(runner, seed):
    result = runner.invoke(args=["user", "create", "x1", "--delegation", "Narnia", "--role", "delegate"],
                           input="a long enough secret\n")
    assert result.exit_code == 1 and "Unknown delegation 'Narnia'" in result.output
    result = runner.invoke(args=["user", "create", "x2", "--role", "emperor"], input="a long enough secret\n")
    assert result.exit_code == 1 and "Unknown role 'emperor'" in result.output


def test_user_list(runner, seed):
    result = runner.invoke(args=["user", "list"])
    assert result.exit_code == 0
    assert any(line.split()[:2] == ["press-officer", "press_officer"] for line in result.output.splitlines())
    assert len(result.output.splitlines()) == 17


def test_scenario_load_without_demo_leaves_accounts_without_passwords(runner, session):
    result = runner.invoke(args=["scenario", "load", str(DEMO_SCENARIO)])
    assert result.exit_code == 0, result.output
    assert "17 accounts created" in result.output and "user password NAME" in result.output
    assert count(session, Draft) == 1
    assert session.scalar(select(func.count(User.id)).where(User.password_hash.is_not(None))) == 0
    listing = runner.invoke(args=["user", "list"]).output
    assert "(no password yet)" in listing


def test_an_invalid_scenario_names_the_key_and_writes_nothing(runner, session, tmp_path):
    data = json.loads(DEMO_SCENARIO.read_text())
    data["meeting"]["colour"] = "blue"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = runner.invoke(args=["scenario", "load", str(bad)])
    assert result.exit_code == 1
    assert "meeting.colour: unknown key" in result.output
    assert count(session, User) == 0 and count(session, Draft) == 0 and count(session, AuditEntry) == 0


def test_a_scenario_that_fails_while_loading_writes_nothing(runner, session, seed, tmp_path):
    # Valid as a file, refused by the services: the penholder's account exists but cannot hold a pen.
    data = json.loads(DEMO_SCENARIO.read_text())
    data["draft"]["penholder"] = "Kuwait"
    path = tmp_path / "kuwait.json"
    path.write_text(json.dumps(data))
    drafts, entries = count(session, Draft), count(session, AuditEntry)
    result = runner.invoke(args=["scenario", "load", str(path)])
    assert result.exit_code == 1 and "penholder" in result.output
    session.expire_all()
    assert (count(session, Draft), count(session, AuditEntry)) == (drafts, entries)


def test_a_missing_file_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(args=["scenario", "load", str(tmp_path / "none.json")])
    assert result.exit_code == 1 and "none.json" in result.output


def test_audit_verify(runner, session, seed):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "Audit log intact" in result.output
    third = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[2]
    session.execute(AuditEntry.__table__.update().where(AuditEntry.id == third).values(target="forged"))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"broken at entry {third}: its content was changed" in result.output


def test_body_presidency_sets_who_presides_in_a_month(runner, session, seed):
    from datetime import date

    from editor.persistence.models import Body
    from editor.services import accounts, voting
    from editor.services.permissions import SYSTEM

    result = runner.invoke(args=["body", "presidency", "Security Council", "2019-08", "Poland"])
    assert result.exit_code == 0 and "Poland presides the Security Council in 2019-08." in result.output, result.output
    assert runner.invoke(args=["body", "presidency", "Security Council", "August", "Poland"]).exit_code == 1
    refused = runner.invoke(args=["body", "presidency", "Security Council", "2019-09", "Narnia"])
    assert refused.exit_code == 1 and "not a member" in refused.output
    session.expire_all()
    poland = accounts.create_user(session, SYSTEM, "poland-presidency", accounts.parse_role("presidency"), "Poland",
                                  "correct horse battery")
    body = session.scalar(select(Body))
    meeting = voting.create_meeting(session, poland, body.name, 8600, date(2019, 8, 2), "AM", "x")
    assert meeting.number == 8600
