from sqlalchemy import select, text

from editor.persistence.models import AuditEntry
from editor.services import audit
from editor.services.permissions import SYSTEM


def fill(session, n=4):
    for i in range(n):
        audit.record(session, SYSTEM, "test.event", f"thing:{i}", {"i": i, "text": "naïve ünïcode"})
    session.commit()
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def test_an_untouched_chain_verifies(session, database):
    entries = fill(session)
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    check = audit.verify_chain(session)
    assert check.ok and check.entries == 4


def test_a_changed_row_is_named(session, database):
    entries = fill(session)
    session.execute(text("UPDATE audit_log SET payload = :p WHERE id = :id"), {"p": '{"i":9}', "id": entries[2].id})
    session.commit()
    session.expire_all()
    check = audit.verify_chain(session)
    assert (check.first_bad_id, check.problem) == (entries[2].id, "its content was changed")


def test_a_removed_row_is_named_by_its_successor(session, database):
    entries = fill(session)
    session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": entries[1].id})
    session.commit()
    check = audit.verify_chain(session)
    assert check.first_bad_id == entries[2].id and "removed" in check.problem


def test_a_ballot_changed_behind_the_records_back_is_named(session, database, runner):
    """The seed voted through its outcome; someone turns China's recorded vote into "against" in the log
    and deletes the close: `audit verify` names the first of them."""
    from editor.domain.scenario import load_scenario_file
    from editor.services.demo import DEMO_SCENARIO
    from editor.services.scenarios import load_scenario

    load_scenario(session, SYSTEM, load_scenario_file(DEMO_SCENARIO))
    session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    ballots = session.scalars(select(AuditEntry).where(AuditEntry.action == "vote.ballot")).all()
    assert len(ballots) == 15 and {"freeze", "open", "close"} <= {
        a.split(".")[1] for a in session.scalars(select(AuditEntry.action))}
    china = next(b for b in ballots if '"China"' in b.payload)
    session.execute(text("UPDATE audit_log SET payload = :p WHERE id = :id"),
                    {"p": china.payload.replace("in_favour", "against"), "id": china.id})
    session.execute(text("DELETE FROM audit_log WHERE action = 'vote.close'"))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and f"entry {china.id}" in result.output
