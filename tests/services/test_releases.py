"""The release's workflow: drafted when the vote closes, edited by the press office, published, corrected."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from editor.domain.scenario import load_scenario_file
from editor.persistence.models import PressRelease, User
from editor.services import releases, scenarios
from editor.services.demo import DEMO_SCENARIO
from editor.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from editor.services.permissions import SYSTEM


def user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


@pytest.fixture
def voted(session):
    scenarios.load_scenario(session, SYSTEM, load_scenario_file(DEMO_SCENARIO))
    session.commit()
    return session.scalar(select(PressRelease))


def test_the_draft_is_there_when_the_vote_closes_and_nobody_outside_sees_it(session, voted):
    assert voted.symbol == "SC/13893"
    [(release, versions)] = releases.list_for_office(session, user(session, "press-officer"))
    assert [v.number for v in versions] == [1] and versions[0].edited_by is None
    assert versions[0].release.paragraphs[0].startswith("The Security Council expressed concern today that")
    assert versions[0].release.full_text[0] == "The full text of resolution 2482 (2019) reads as follows:"
    assert releases.published(session) == []
    with pytest.raises(NotFound):
        releases.published_release(session, "SC/13893")
    with pytest.raises(PermissionDenied):
        releases.list_for_office(session, user(session, "kuwait"))


def test_edited_published_and_corrected_each_version_kept_with_who_and_when(session, voted):
    officer = user(session, "press-officer")
    first = releases.list_for_office(session, officer)[0][1][0].release
    with pytest.raises(PermissionDenied):
        releases.edit(session, user(session, "peru"), voted.id, first.headline, list(first.paragraphs))
    edited = [first.paragraphs[0].replace("expressed concern today", "voiced concern today"), *first.paragraphs[1:]]
    second = releases.edit(session, officer, voted.id, first.headline, edited)
    assert (second.number, second.edited_by, second.published_at) == (2, "Press officer", None)
    published = releases.publish(session, officer, voted.id)
    session.commit()
    assert published.number == 2 and published.published_at
    with pytest.raises(Conflict):
        releases.publish(session, officer, voted.id)
    with pytest.raises(InvalidInput, match="correction"):
        releases.edit(session, officer, voted.id, first.headline, edited)
    corrected = [*edited[:-1], edited[-1] + " (corrected)"]
    third = releases.edit(session, officer, voted.id, first.headline, corrected, "The meeting's end time.")
    assert releases.published_release(session, "SC/13893").version.number == 2  # until it is published
    releases.publish(session, officer, voted.id)
    session.commit()
    public = releases.published_release(session, "SC/13893")
    assert (public.version.number, [v.number for v in public.corrections]) == (third.number, [2, 3])
    assert public.version.correction_note == "The meeting's end time."
    assert public.corrections[0].release.paragraphs[-1] == edited[-1]  # the published version never changed
    assert public.resolution == ("2482 (2019)", "S/RES/2482 (2019)")
    with pytest.raises(InvalidInput):
        releases.edit(session, officer, voted.id, "", corrected, "x")


def test_drafted_again_from_the_record_it_has_what_was_recorded_after_the_close(session, voted):
    from editor.persistence.models import Meeting
    from editor.services import voting

    officer, presidency = user(session, "press-officer"), user(session, "peru-presidency")
    meeting = session.scalar(select(Meeting))
    voting.add_statement(session, presidency, meeting.id, "China", "representative", "after",
                         "said that his delegation had voted in favour.")
    session.commit()
    again = releases.redraft(session, officer, voted.id)
    assert again.number == 2 and again.release.paragraphs[-2] == (
        "China’s representative said that his delegation had voted in favour.")
