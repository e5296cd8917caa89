"""A draft's history rebuilt from its log: texts at any point, and the redline's added, deleted and moved
paragraphs (editor.domain.draft_history)."""

from __future__ import annotations

import json

import pytest

from editor.domain.document import Paragraph, ParagraphKind
from editor.domain.draft_history import DraftHistory, Status
from editor.domain.revisions import Kind, Mark, RevisionError
from editor.domain.sync import DELETE, INSERT, LEVEL, MOVE, TEXT, Request, ServerDocument, make_delta

START = [
    Paragraph("pp1", ParagraphKind.PREAMBULAR, 0, "Recalling its resolutions 1373 (2001) and 2462 (2019),"),
    Paragraph("op1", ParagraphKind.OPERATIVE, 0, "Expresses concern about terrorists benefiting from crime;"),
    Paragraph("op2", ParagraphKind.OPERATIVE, 0, "Encourages States to strengthen cooperation;"),
    Paragraph("op3", ParagraphKind.OPERATIVE, 0, "Decides to remain seized of the matter."),
]


class Drafting:
    """The reference server, and a pen that writes its log as three delegations."""

    def __init__(self):
        self.server = ServerDocument(START)
        self.cseq = 0
        self.texts = {0: [(p.uid, p.text) for p in START]}

    def submit(self, delegation: str, op: str, paragraph: str, **fields) -> None:
        self.cseq += 1
        if op == TEXT:
            current = next(p.text for p in self.server.paragraphs if p.uid == paragraph)
            fields = {"delta": make_delta(current, fields["text"])}
        request = Request("pen", self.cseq, self.server.seq, op, paragraph, "g1", **fields)
        reply = self.server.submit(request, {"delegation": delegation, "at": f"2019-07-0{self.cseq % 9 + 1}"})
        assert reply.ok, reply.error
        self.texts[self.server.seq] = [(p.uid, p.text) for p in self.server.paragraphs]


@pytest.fixture
def drafting():
    pen = Drafting()
    pen.submit("France", TEXT, "op2", text="Encourages all States to strengthen cooperation;")  # 1
    pen.submit("Germany", INSERT, "op4", kind=ParagraphKind.OPERATIVE, level=0, position=3,
               text="Requests the Secretary-General to report;")  # 2
    pen.submit("Indonesia", MOVE, "op1", position=2)  # 3
    pen.submit("Germany", DELETE, "pp1")  # 4
    pen.submit("France", LEVEL, "op4", level=1)  # 5
    pen.submit("Indonesia", TEXT, "op4", text="Requests the Secretary-General to report within 90 days;")  # 6
    return pen


def test_the_whole_text_after_any_change_is_rebuilt_from_the_log(drafting):
    history = DraftHistory.replay(START, drafting.server.log)
    for seq, texts in drafting.texts.items():
        assert history.text_at(seq) == texts, seq


def test_the_redline_shows_added_deleted_and_moved_paragraphs_as_such(drafting):
    history = DraftHistory.replay(START, drafting.server.log)
    redline = history.redline(since=0)
    status = {p.uid: (p.status, p.mark and p.mark.delegation) for p in redline}
    assert status == {"pp1": (Status.DELETED, "Germany"), "op1": (Status.MOVED, "Indonesia"),
                      "op2": (Status.KEPT, None), "op4": (Status.ADDED, "Germany"), "op3": (Status.KEPT, None)}
    assert [p.uid for p in redline] == ["pp1", "op2", "op1", "op4", "op3"]  # the deleted one where it stood
    deleted = redline[0].segments
    assert [(s.kind, s.text) for s in deleted] == [(Kind.DELETED, START[0].text)]
    added = next(p for p in redline if p.uid == "op4")
    assert [(s.kind, s.text, s.mark.delegation) for s in added.segments] == [
        (Kind.INSERTED, "Requests the Secretary-General to report", "Germany"),
        (Kind.INSERTED, " within 90 days", "Indonesia"), (Kind.INSERTED, ";", "Germany")]


def test_a_moved_paragraph_keeps_the_attribution_of_its_characters(drafting):
    drafting.submit("France", TEXT, "op1", text="Expresses grave concern about terrorists benefiting from crime;")
    history = DraftHistory.replay(START, drafting.server.log)
    [op1] = [p for p in history.redline(since=0) if p.uid == "op1"]
    assert [(s.kind, s.text) for s in op1.segments if s.kind is not Kind.KEPT] == [(Kind.INSERTED, "grave ")]
    assert history.tracks["op1"].text.authors()[1][1].delegation == "France"


def test_against_a_later_baseline_only_later_changes_show(drafting):
    history = DraftHistory.replay(START, drafting.server.log)
    redline = history.redline(since=4)
    assert {p.uid: p.status for p in redline} == {
        "op2": Status.KEPT, "op1": Status.KEPT, "op4": Status.KEPT, "op3": Status.KEPT}
    changed = [s.text for p in redline for s in p.segments if s.kind is not Kind.KEPT]
    assert changed == [" within 90 days"]


def test_a_log_out_of_order_is_refused(drafting):
    history = DraftHistory(START)
    with pytest.raises(RevisionError):
        history.apply(drafting.server.log[1])


def test_a_moved_block_moves_with_its_sub_paragraphs_and_nothing_else_shows_as_moved():
    pen = Drafting()
    pen.submit("France", INSERT, "op2a", kind=ParagraphKind.OPERATIVE, level=1, position=3, text="(a) by sharing;")
    pen.submit("Germany", MOVE, "op2", position=3)  # the block op2 + op2a after op3
    history = DraftHistory.replay(START, pen.server.log)
    assert [uid for uid, _, _ in history.layout_at(pen.server.seq)] == ["pp1", "op1", "op3", "op2", "op2a"]
    status = {p.uid: p.status for p in history.redline(since=1)}
    assert status == {"pp1": Status.KEPT, "op1": Status.KEPT, "op3": Status.KEPT, "op2": Status.MOVED,
                      "op2a": Status.MOVED}


def test_a_snapshot_is_the_same_history_and_goes_on_as_it_would_have(drafting):
    """Written after the fourth change, read back, and given the rest of the log (with an acceptance and a
    rejection in between): it answers every question the replayed history answers."""

    log = drafting.server.log
    first = DraftHistory.replay(START, log[:4])
    first.tracks["op2"].text.accept(first.tracks["op2"].text.changes(0)[0])
    copy = DraftHistory.from_state(json.loads(json.dumps(first.state())))
    for history in (first, copy):
        for change in log[4:]:
            history.apply(change)
    assert first.state() == copy.state()
    for since in range(0, first.seq + 1):
        assert copy.redline(since) == first.redline(since)
        assert copy.text_at(since) == first.text_at(since)
    with pytest.raises(RevisionError):
        DraftHistory.from_state({**first.state(), "format": 0})


def test_a_paragraphs_own_changes_are_accepted_and_rejected_by_their_names(drafting):
    history = DraftHistory.replay(START, drafting.server.log)
    assert {p.uid: p.id for p in history.redline(0)} == {
        "pp1": "d4", "op2": None, "op1": "m3", "op4": "a2", "op3": None}
    with pytest.raises(RevisionError):
        history.accept("op1", "a3", 0, Mark(7))  # op1 was moved, by change 3, not added
    # Rejecting the deletion: pp1 goes back where it stood (first), its text as it was.
    position, kind, level = history.place_back("pp1", 0)
    assert (position, kind, level) == (0, "preambular", 0)
    layout = (("pp1", "preambular", 0), *history.layout_at(6))
    history.reject("pp1", "d4", 0, Mark(7, "Peru"), layout)
    # Rejecting the move: op1 back after pp1, before op2.
    assert history.place_back("op1", 0)[0] == 1
    now = [entry for entry in history.layout_at(7) if entry[0] != "op1"]
    history.reject("op1", "m3", 0, Mark(8, "Peru"), (*now[:1], ("op1", "operative", 0), *now[1:]))
    # Accepting the addition: op4 and its words are part of the baseline now.
    history.accept("op4", "a2", 0, Mark(9, "Peru"))
    redline = history.redline(0)
    assert [(p.uid, p.status) for p in redline] == [(uid, Status.KEPT) for uid in ("pp1", "op1", "op2", "op4", "op3")]
    assert history.text_at(9)[0] == ("pp1", START[0].text) and history.text_at(6)[0][0] == "op2"
    assert all(s.kind is Kind.KEPT for p in redline if p.uid == "op4" for s in p.segments)
    copy = DraftHistory.from_state(json.loads(json.dumps(history.state())))
    assert copy.redline(0) == redline and copy.redline(3) == history.redline(3)
