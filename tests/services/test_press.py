"""The press release drafted from the record: the seed's, sentence for sentence, and one of each outcome."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from editor.domain.scenario import parse_scenario
from editor.persistence.models import Vote
from editor.services import press, scenarios
from editor.services.demo import DEMO_SCENARIO
from editor.services.permissions import SYSTEM

SEED_RELEASE = Path(__file__).resolve().parents[1] / "data" / "sc-13893.txt"  # shared/seeds/000_bf2fe14052825aaa
SEED = json.loads(DEMO_SCENARIO.read_text(encoding="utf-8"))
COUNCIL = SEED["members"]


def blocks(text: str) -> list[str]:
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def release_of(session, story: dict, full_text: bool = False):
    scenarios.load_scenario(session, SYSTEM, parse_scenario(story))
    session.commit()
    return press.draft_for_vote(session, session.scalar(select(Vote)).id, full_text)


def test_the_seeds_release_sentence_for_sentence(session):
    ours = blocks(release_of(session, SEED).text())
    seed = blocks(SEED_RELEASE.read_text(encoding="utf-8"))
    assert len(ours) == len(seed)
    # The two places where the seed's writer added words of their own: the headline's shortened topic and the
    # lead-in "Addressing concerns about ..." before the Council's encouragement. Everything else is equal.
    assert ours[1].startswith("Security Council Expresses Concern over Links between International Terrorism")
    assert ours[1].endswith(", Unanimously Adopting Resolution 2482 (2019)") and seed[1].endswith(
        ", Unanimously Adopting Resolution 2482 (2019)")
    assert seed[7].endswith(ours[7][len("The "):]) and ours[7].startswith("The Council also encouraged")
    assert [b for i, b in enumerate(ours) if i not in (1, 7)] == [b for i, b in enumerate(seed) if i not in (1, 7)]


def openings(release, vote_sentence: str) -> None:
    """Sentence by sentence: what each paragraph of an adopted text's release is, in order."""
    assert [p[:40] for p in release.paragraphs] == [
        "The Security Council expressed concern t", vote_sentence[:40], "Today’s action followed an open debate a",
        "By other terms of the resolution, the Co", "Further, it called on States to consider",
        "The Council also encouraged Member State", "The Council requested that the Secretary",
        "Speaking after the vote, the Russian Fed", "Peru’s Foreign Minister welcomed the res",
        "The meeting began at 12:30 p.m. and ende"]


def variant(**changes) -> dict:
    story = copy.deepcopy(SEED)
    story.update(changes)
    return story


def test_thirteen_in_favour_and_two_named_abstentions(session):
    abstaining = ["China", "Russian Federation"]
    release = release_of(session, variant(vote={"in_favour": [m for m in COUNCIL if m not in abstaining],
                                                "abstaining": abstaining}))
    assert release.headline.endswith(", Adopting Resolution 2482 (2019) by 13 Votes in Favour, 2 Abstentions")
    assert release.paragraphs[1] == (
        "Adopting resolution 2482 (2019) by a vote of 13 in favour to none against, with 2 abstentions (China, "
        "Russian Federation), the Council further expressed concern that terrorists can benefit from the illicit "
        "trade in natural resources, kidnapping for ransom, and extortion, among other means.")
    openings(release, "Adopting resolution 2482 (2019) by a vote of 13")


def test_a_veto(session):
    release = release_of(session, variant(vote={"in_favour": [m for m in COUNCIL if m != "Russian Federation"],
                                                "against": ["Russian Federation"]}, resolution=None))
    assert release.headline == ("Security Council Fails to Adopt Draft Resolution on Links between International "
                                "Terrorism and Transnational Organized Crime Owing to Veto by Russian Federation")
    assert release.paragraphs[0] == (
        "The Security Council failed today to adopt a draft resolution that would have expressed concern that "
        "terrorists can benefit from organized crime as a source of financing or logistical support through the "
        "trafficking of arms, persons, drugs, artefacts and cultural property, owing to the negative vote of the "
        "Russian Federation, permanent member of the Council.")
    assert release.paragraphs[1] == ("The draft received 14 votes in favour to 1 against (Russian Federation), "
                                     "with no abstentions.")
    assert release.paragraphs[3].startswith("By other terms of the draft, the Council would have further expressed")
    assert not any("resolution 2482" in p for p in release.paragraphs)
    # sentence by sentence: what each paragraph is, in order
    assert [p[:40] for p in release.paragraphs] == [
        "The Security Council failed today to ado", "The draft received 14 votes in favour to",
        "Today’s action followed an open debate a", "By other terms of the draft, the Council",
        "It would also have encouraged States to ", "Further, the draft would have called on ",
        "The Council would also have encouraged M", "It would also have requested that the Se",
        "Speaking after the vote, the Russian Fed", "Peru’s Foreign Minister welcomed the res",
        "The meeting began at 12:30 p.m. and ende"]


def test_too_few_votes(session):
    release = release_of(session, variant(vote={"in_favour": COUNCIL[:8], "abstaining": COUNCIL[8:]},
                                          resolution=None))
    assert release.headline.endswith("Fails to Adopt Draft Resolution on Links between International Terrorism "
                                     "and Transnational Organized Crime, Short of Required Votes")
    assert release.paragraphs[0].endswith(", having failed to obtain the required number of votes.")
    assert release.paragraphs[1] == ("The draft received 8 votes in favour to none against, with 7 abstentions "
                                     f"({', '.join(COUNCIL[8:])}).")
    assert [p[:40] for p in release.paragraphs][2:8] == [
        "Today’s action followed an open debate a", "By other terms of the draft, the Council",
        "It would also have encouraged States to ", "Further, the draft would have called on ",
        "The Council would also have encouraged M", "It would also have requested that the Se"]


def test_adopted_without_a_vote_with_its_full_text(session):
    release = release_of(session, variant(vote={"without_vote": True}), full_text=True)
    assert release.headline.endswith(", Adopting Resolution 2482 (2019) without a Vote")
    assert release.paragraphs[1].startswith("Adopting resolution 2482 (2019) without a vote, the Council further "
                                            "expressed concern that")
    openings(release, "Adopting resolution 2482 (2019) without a vote")
    assert release.full_text[0] == "The full text of resolution 2482 (2019) reads as follows:"
    assert release.full_text[1] == "The Security Council," and release.full_text[-1].endswith(
        "Decides to remain seized of the matter.")


def test_a_general_assembly_recorded_vote(session):
    members = ["Argentina", "Brazil", "Canada", "Denmark", "Egypt", "Fiji", "Ghana", "Hungary", "India", "Japan",
               "Kenya", "Mexico"]
    story = variant(body="General Assembly", members=members, presidency="Ghana", debate=None, statements=[],
                    revisions=[], resolution="73/300", matter="other",
                    meeting={**SEED["meeting"], "number": 60, "press_release": "GA/12100",
                             "session": "Seventy-third Session"},
                    draft={**SEED["draft"], "penholder": "Canada", "sponsors": [], "symbol": None},
                    vote={"in_favour": members[:8], "against": ["India", "Japan"], "abstaining": ["Kenya"]},
                    sponsors=[{"member": "Denmark", "answer": "consent"}, {"member": "Egypt", "answer": "consent"},
                              {"member": "Fiji", "answer": "decline"}])
    release = release_of(session, story)
    assert release.paragraphs[2] == ("The draft was introduced by Canada’s representative, on behalf of the "
                                     "sponsors (Canada, Denmark, Egypt).")
    assert release.paragraphs[0].startswith("The General Assembly expressed concern today that")
    assert release.paragraphs[1].startswith(
        "Adopting resolution 73/300 by a recorded vote of 8 in favour to 2 against, with 1 abstention, the "
        "Assembly further expressed concern")
    assert ("The recorded vote was as follows: In favour: Argentina, Brazil, Canada, Denmark, Egypt, Fiji, Ghana, "
            "Hungary; Against: India, Japan; Abstain: Kenya; Absent: Mexico.") in release.paragraphs
    assert release.meeting_line == "60th Meeting (AM)" and release.symbol == "GA/12100"


@pytest.mark.parametrize("output", ["markdown", "html", "json"])
def test_scenario_run_prints_the_release_in_each_format(runner, output, tmp_path):
    from editor.services.demo import DEMO_SCENARIO as path

    result = runner.invoke(args=["scenario", "run", str(path), "--format", output])
    assert result.exit_code == 0, result.output
    if output == "json":
        data = json.loads(result.output)
        assert (data["outcome"], data["counts"], data["symbol"]) == (
            "adopted", {"in_favour": 15, "against": 0, "abstaining": 0}, "SC/13893")
        assert data["text"].startswith("8582nd Meeting (AM)\nSC/13893\n")
    elif output == "html":
        assert "<h1>Security Council Expresses Concern" in result.output and "<script" not in result.output
    else:
        assert result.output.startswith("8582nd Meeting (AM)  \nSC/13893\n\n# Security Council")


def test_markup_in_the_record_is_escaped_in_markdown_and_html(session, app):
    from editor.web.releases import render_release

    said = {"member": "Peru", "speaker": "representative", "when": "after",
            "text": 'said that <script>alert("x")</script> *matters* [here](http://x) # now.'}
    release = release_of(session, variant(statements=[said]))
    assert release.paragraphs[-2].startswith('Speaking after the vote, Peru’s representative said that <script>')
    markdown = release.markdown()
    assert "\\<script\\>" in markdown and "\\*matters\\*" in markdown and "\\[here\\]" in markdown
    with app.app_context():
        html = render_release(release, "html", {})
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
