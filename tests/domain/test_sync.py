"""The sync engine's pieces: UTF-16 deltas, the merge and its conflicts, request validation."""

from __future__ import annotations

import random

import pytest

from editor.domain import sync
from editor.domain.document import Paragraph, ParagraphKind
from editor.domain.sync import SyncError


@pytest.mark.parametrize(
    ("old", "new", "delta"),
    [
        ("Decides", "Decides to", "=7\t+ to"),  # spaces stay as they are, as in JS
        ("a😀b", "a😀xb", "=3\t+x\t=1"),  # the emoji is two UTF-16 units, as in the browser
        ("مجلس الأمن", "مجلس الأمن الدولي", "=10\t+ %D8%A7%D9%84%D8%AF%D9%88%D9%84%D9%8A"),
        ("安全理事会", "安理会", "=1\t-1\t=1\t-1\t=1"),
    ],
)
def test_deltas_count_utf16_units_like_the_browser(old, new, delta):
    assert sync.make_delta(old, new) == delta
    assert sync.apply_delta(old, delta) == new


def test_a_delta_that_does_not_fit_or_splits_a_surrogate_pair_is_refused():
    with pytest.raises(SyncError) as too_long:
        sync.apply_delta("short", "=9")
    assert too_long.value.code == "bad_delta"
    with pytest.raises(SyncError) as split:
        sync.apply_delta("😀", "=1\t-1")  # half an emoji
    assert split.value.code == "bad_delta"


def test_merge_keeps_both_sides_and_reports_what_no_longer_fits():
    base = "Calls upon all States to implement the measures;"
    merged = sync.merge(base, base.replace("all States", "all Member States"), base + " and decides")
    assert merged.text == "Calls upon all Member States to implement the measures; and decides"
    assert merged.conflicts == ()
    gone = sync.merge(base, base.replace("the measures", "the new measures"), "Calls upon all States to act;")
    assert "new" in gone.text and gone.conflicts == ("new ",)  # kept, and its author is told


def test_merge_places_each_insert_where_it_was_made_in_repetitive_text():
    region = " and the Council decides to remain seized of the matter,"
    base = "".join(f"<{n}>{region}" for n in range(6))
    others = base.replace("<4>", "<4> w4n1 w4n2 w4n3")  # the log moved on in region 4
    mine = base.replace("<5>", "<5> w5n1")  # made on the older text, in region 5
    merged = sync.merge(base, mine, others)
    assert merged.text == base.replace("<4>", "<4> w4n1 w4n2 w4n3").replace("<5>", "<5> w5n1")
    assert sync.rebase(base, mine, others) == merged.text


def test_check_text_names_the_limit():
    with pytest.raises(SyncError) as error:
        sync.check_text("x" * (sync.MAX_PARAGRAPH_CHARS + 1))
    assert error.value.code == "paragraph_too_long" and error.value.limit == 20_000
    assert sync.check_text("<b>markup</b> stays text") == "<b>markup</b> stays text"


@pytest.mark.parametrize("current", ["Calls upon all States", "Calls upon all Member States"])
def test_a_change_inserting_a_control_character_is_refused(current):
    """Only what a change inserts is searched for control characters (the log's texts hold none): on the
    current text and on an older one alike, and escaped in the delta too."""
    base = "Calls upon all States"
    request = sync.Request("c", 1, 0, sync.TEXT, "op1", "g", delta=sync.make_delta(base, "Calls upon\nall States"))
    assert "%0A" in request.delta
    with pytest.raises(SyncError) as error:
        sync.apply_text(request, base, current)
    assert error.value.code == "bad_text"
    fine = sync.Request("c", 1, 0, sync.TEXT, "op1", "g", delta=sync.make_delta(base, "Calls upon\tall States"))
    assert "\t" in sync.apply_text(fine, base, current).text


def edit_in_deleted_words() -> tuple[sync.ServerDocument, sync.Replica, sync.Reply]:
    """A deletes "to report" while B, on the same text, writes "fully" into it: B's change comes second."""
    text = "Requests the Secretary-General to report"
    server = sync.ServerDocument([Paragraph("op1", ParagraphKind.OPERATIVE, 0, text)])
    a, b = sync.Replica("a", server.join()), sync.Replica("b", server.join())
    a.edit("op1", "Requests the Secretary-General")
    b.edit("op1", "Requests the Secretary-General to fully report")
    assert server.submit(sync.parse_request(a.outgoing())).ok
    return server, b, server.submit(sync.parse_request(b.outgoing()))


def test_the_server_reports_a_lost_hunk_to_its_author():
    server, b, reply = edit_in_deleted_words()
    assert reply.ok and reply.conflicts == ("fully ",)
    b.on_reply(reply.to_wire(), 1)
    b.receive(server.changes_since(0))
    assert b.problems[0]["code"] == "conflict" and b.text("op1") == server.paragraphs[0].text


def test_a_draft_holds_at_most_1000_paragraphs():
    paragraphs = [Paragraph(f"p{n}", ParagraphKind.OPERATIVE, 0, "") for n in range(sync.MAX_PARAGRAPHS)]
    request = sync.Request("c", 1, 0, sync.INSERT, "extra", "g1", kind=ParagraphKind.OPERATIVE, level=0,
                           position=0)
    with pytest.raises(SyncError) as error:
        sync.apply_structure(request, paragraphs)
    assert error.value.code == "too_many_paragraphs" and error.value.limit == 1000


def test_a_reply_counts_for_its_own_change_even_when_the_log_came_first():
    server, b, reply = edit_in_deleted_words()
    b.receive(server.changes_since(0))  # the log ends the flight before the reply arrives
    assert b.inflight is None
    b.on_reply(reply.to_wire(), 1)
    assert [(p["code"], p["paragraph"]) for p in b.problems] == [("conflict", "op1")]


def test_unavailable_keeps_the_change_in_flight_and_a_stale_refusal_is_ignored():
    server = sync.ServerDocument(START_ONE)
    replica = sync.Replica("a", server.join())
    replica.edit("op1", "Decides to remain seized")
    first = replica.outgoing()
    replica.on_reply({"ok": False, "error": {"code": "unavailable", "message": "busy"}}, first["cseq"])
    assert replica.resend() == first and replica.text("op1") == "Decides to remain seized"
    assert replica.pending() == 1
    replica.on_reply({"ok": False, "error": {"code": "frozen", "message": "in blue"}}, first["cseq"] + 7)
    assert replica.inflight is not None and not replica.problems


START_ONE = [Paragraph("op1", ParagraphKind.OPERATIVE, 0, "Decides")]


def test_merge_keeps_its_place_when_others_typed_more_than_the_text_between():
    """After a reconnect the log may hold more typing than the unchanged text between it: a clean-up that
    merged it all into one replaced block put a late word into another delegate's region."""
    base = "".join(f"<{n}> the matter," for n in range(4))
    others = base
    for n in range(4):
        others = others.replace(f"<{n}>", f"<{n}>" + "".join(f" w{n}n{k}" for k in range(6)))
    mine = base.replace("<2>", "<2> late")
    merged = sync.merge(base, mine, others)
    # In region 2, after what the log inserted at the same place first.
    assert merged.text == others.replace(" w2n5", " w2n5 late") and merged.conflicts == ()


def _text_request(old: str, delta: str) -> sync.Request:
    return sync.Request("c1", 1, 0, sync.TEXT, "p1", "g1", delta=delta)


def test_the_log_carries_the_authors_own_change_when_nothing_happened_meanwhile():
    old, new = "Encourages States to strengthen cooperation;", "Encourages States to enhance cooperation;"
    words = sync.word_delta(old, new)
    assert words != sync.make_delta(old, new)  # the letters of the two words would pair up otherwise
    outcome = sync.apply_text(_text_request(old, words), old, old)
    assert (outcome.text, outcome.delta) == (new, words)


def test_after_a_concurrent_change_the_log_carries_the_change_from_the_current_text():
    base = "Encourages States to strengthen cooperation;"
    current = "Encourages all States to strengthen cooperation;"  # someone else's change, already in the log
    mine = sync.word_delta(base, "Encourages States to build cooperation;")
    outcome = sync.apply_text(_text_request(base, mine), base, current)
    assert outcome.text == "Encourages all States to build cooperation;"
    assert sync.apply_delta(current, outcome.delta) == outcome.text


def test_the_log_carries_an_authors_delta_in_the_one_encoding_every_client_decodes():
    # "%41" is "A" over-encoded, and "%zz" no escape at all: Python lets both through, a browser's
    # decodeURI would throw on the second. The log carries the canonical form.
    outcome = sync.apply_text(_text_request("ab", "=1\t+%41%zz\t=1"), "ab", "ab")
    assert outcome.text == "aA%zzb"
    assert outcome.delta == sync.make_delta("ab", "aA%zzb") == "=1\t+A%25zz\t=1"


def test_deltas_in_a_row_compose_into_the_one_exact_diff_from_the_first_text_to_the_last():
    peru = sync._dmp.diff_toDelta([(1, "ab "), (0, "ab ab")])  # "ab " written before "ab ab"
    france = sync.make_delta("ab ab ab", "ab Xb ab")
    assert sync.compose_deltas("ab ab", [peru, france]) == ("ab Xb ab", [(1, "ab "), (-1, "a"), (1, "X"),
                                                                         (0, "b ab")])
    texts = ["ab Xb ab", "ab Xb ab, ça va 😀", "Xb ab, ça va 😀", "Xb ab, ça va 😀 ¿sí?"]
    deltas = [sync.make_delta(a, b) for a, b in zip(texts[:-1], texts[1:], strict=True)]
    text, composed = sync.compose_deltas(texts[0], deltas)
    assert text == texts[-1]
    assert sync._dmp.diff_text1(composed) == texts[0] and sync._dmp.diff_text2(composed) == texts[-1]
    assert sync.compose_deltas("same", []) == ("same", [(0, "same")])
    with pytest.raises(SyncError):
        sync.compose_deltas("short", ["=99"])


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 64, 65])
def test_composing_in_pairs_gives_the_diff_composing_one_after_the_other_gives(count):
    rng = random.Random(count)
    text = start = "Calls upon all parties to respect the ceasefire; ça va, 停火 😀"
    steps = []
    for _ in range(count):
        at, cut = rng.randrange(len(text) + 1), rng.randrange(3)
        new = text[:at] + rng.choice(["", "x", "words ", "和平"]) + text[at + cut:]
        steps.append(sync.delta_diffs(text, sync.make_delta(text, new)))
        text = new
    one_after_the_other = sync.unchanged(start)
    for step in steps:
        one_after_the_other = sync.compose(one_after_the_other, step)
    in_pairs = sync.compose_all(start, steps)
    assert sync._dmp.diff_text1(in_pairs) == start and sync._dmp.diff_text2(in_pairs) == text
    assert [part for part in in_pairs if part[1]] == [part for part in one_after_the_other if part[1]]
