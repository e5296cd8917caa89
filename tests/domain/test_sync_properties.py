"""Property tests of the sync engine: several replicas, random typing, a network that reorders, drops and
duplicates messages, reconnections; in the end every copy is the server's and every word typed is there."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.domain.document import Paragraph, ParagraphKind
from editor.domain.sync import Replica, Request, ServerDocument, parse_request

START = [
    Paragraph("pp1", ParagraphKind.PREAMBULAR, 0, "Recalling its resolutions 1373 (2001) and 2462 (2019),"),
    Paragraph("op1", ParagraphKind.OPERATIVE, 0, "Exprime sa préoccupation — 表示关切 — выражает обеспокоенность;"),
    Paragraph("op2", ParagraphKind.OPERATIVE, 0, "يشجع الدول الأعضاء 🇺🇳 alienta a los Estados 👩🏽‍⚖️;"),
    # The same words over and over: patching by context would put a word in the wrong place here.
    Paragraph("op9", ParagraphKind.OPERATIVE, 0, " and decides to remain seized of the matter," * 4),
]


@dataclass
class Peer:
    replica: Replica
    outbox: list[dict] = field(default_factory=list)  # sent, not yet delivered to the server
    inbox: list[tuple[str, object]] = field(default_factory=list)  # ("changes", [...]) or ("reply", {...})
    connected: bool = True


class Network:
    def __init__(self, clients: int):
        self.server = ServerDocument(START)
        self.peers = []
        for n in range(clients):
            replica = Replica(f"c{n}", self.server.join())
            self.peers.append(Peer(replica))
        self.words: list[tuple[int, str]] = []

    # the client side -------------------------------------------------------------------------
    def type(self, n: int, paragraph: int, where: float, word: str) -> None:
        replica = self.peers[n].replica
        uid = replica.order[paragraph % len(replica.order)]
        text = replica.text(uid)
        # Type between words, never inside a surrogate pair or a grapheme the delegate could not split.
        gaps = [i for i, ch in enumerate(text) if ch == " "] + [len(text)]
        at = gaps[int(where * (len(gaps) - 1))]
        replica.edit(uid, text[:at] + f" {word}" + text[at:])
        self.words.append((n, word))

    def send(self, n: int) -> None:
        peer = self.peers[n]
        message = peer.replica.outgoing()
        if message is not None and peer.connected:
            peer.outbox.append(message)

    # the wire --------------------------------------------------------------------------------
    def deliver_to_server(self, n: int, pick: int, duplicate: bool) -> None:
        peer = self.peers[n]
        if not peer.outbox:
            return
        message = peer.outbox[pick % len(peer.outbox)]
        if not duplicate:
            peer.outbox.remove(message)
        before = len(self.server.log)
        reply = self.server.submit(parse_request(message), {"delegation": f"D{n}"})
        for other in self.peers:  # the log goes to every connected replica, the author included
            if other.connected and len(self.server.log) > before:
                other.inbox.append(("changes", [c.to_wire() for c in self.server.log[before:]]))
        if peer.connected:
            peer.inbox.append(("reply", (message["cseq"], reply.to_wire())))

    def deliver_to_client(self, n: int, pick: int, drop: bool) -> None:
        peer = self.peers[n]
        if not peer.inbox:
            return
        kind, payload = peer.inbox.pop(pick % len(peer.inbox))
        if drop:
            return
        if kind == "changes":
            peer.replica.receive(payload)
            return
        cseq, reply = payload  # a real client matches a reply to its request by the Socket.IO ack id
        inflight = peer.replica.inflight
        if inflight is not None and inflight.request.cseq == cseq:
            peer.replica.on_reply(reply, cseq)

    def disconnect(self, n: int) -> None:
        peer = self.peers[n]
        peer.connected = False
        peer.outbox.clear()
        peer.inbox.clear()

    def reconnect(self, n: int) -> None:
        peer = self.peers[n]
        peer.connected = True
        replica = peer.replica
        request = replica.join_request()
        replica.on_join(self.server.join(**request))
        resend = replica.on_reconnect()
        if resend is not None:
            peer.outbox.append(resend)

    def settle(self) -> None:
        """Everyone reconnects, then the network delivers everything in order until nothing moves."""
        for n in range(len(self.peers)):
            self.reconnect(n)
        for _ in range(10_000):
            moved = False
            for n, peer in enumerate(self.peers):
                self.send(n)
                while peer.outbox:
                    self.deliver_to_server(n, 0, False)
                    moved = True
                while peer.inbox:
                    self.deliver_to_client(n, 0, False)
                    moved = True
            if not moved:
                return
        raise AssertionError("the network never settled")


actions = st.lists(
    st.one_of(
        st.tuples(st.just("type"), st.integers(0, 3), st.integers(0, 3), st.floats(0, 1)),
        st.tuples(st.just("send"), st.integers(0, 3)),
        st.tuples(st.just("to_server"), st.integers(0, 3), st.integers(0, 5), st.booleans()),
        st.tuples(st.just("to_client"), st.integers(0, 3), st.integers(0, 5), st.sampled_from([False] * 5 + [True])),
        st.tuples(st.just("drop"), st.integers(0, 3)),
        st.tuples(st.just("rejoin"), st.integers(0, 3)),
    ),
    max_size=80,
)

WORDS = ["peace", "paix", "和平", "мир", "سلام", "paz", "🕊️", "👩🏽‍⚖️"]


def play(network: Network, script, clients: int, word, paragraphs: int = 4) -> None:
    """Run a drawn script of typing and network events, then let the network settle; `word(n)` is the
    n-th word typed, into one of the first `paragraphs` paragraphs."""
    typed = 0
    for action in script:
        name, n = action[0], action[1] % clients
        if name == "type":
            typed += 1
            network.type(n, action[2] % paragraphs, action[3], word(typed))
        elif name == "send":
            network.send(n)
        elif name == "to_server":
            network.deliver_to_server(n, action[2], action[3])
        elif name == "to_client":
            network.deliver_to_client(n, action[2], action[3])
        elif name == "drop":
            network.disconnect(n)
        elif name == "rejoin":
            network.reconnect(n)
    network.settle()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clients=st.integers(2, 4), script=actions)
def test_every_replica_converges_and_keeps_every_word(clients, script):
    network = Network(clients)
    play(network, script, clients, lambda typed: f"{WORDS[typed % len(WORDS)]}{typed}")

    final = [(p.uid, p.text) for p in network.server.paragraphs]
    for peer in network.peers:
        assert [(uid, text) for uid, _, _, text in peer.replica.document()] == final
        assert peer.replica.pending() == 0
        assert not [p for p in peer.replica.problems if p.get("code") == "conflict"]
    everything = " ".join(text for _, text in final)
    for _, word in network.words:
        assert everything.count(word) == 1, word


def test_a_change_sent_twice_is_applied_once():
    server = ServerDocument(START)
    replica = Replica("c1", server.join())
    replica.edit("op1", replica.text("op1") + " Décide de rester saisi de la question.")
    message = replica.outgoing()
    first = server.submit(parse_request(message))
    again = server.submit(parse_request(message))
    assert first.ok and again.ok and again.duplicate and again.seq == first.seq
    assert len(server.log) == 1
    assert server.paragraphs[1].text.count("Décide") == 1


def test_a_replica_of_another_generation_does_not_merge():
    server = ServerDocument(START, generation="g1")
    replica = Replica("c1", server.join())
    replica.edit("op1", "typed before the draft was rebuilt")
    rebuilt = ServerDocument(START, generation="g2")
    assert not rebuilt.submit(parse_request(replica.outgoing())).ok
    replica.on_join(rebuilt.join(**replica.join_request()))
    assert replica.text("op1") == START[1].text
    assert replica.problems[0]["code"] == "generation"
    assert replica.problems[0]["lost"] == "typed before the draft was rebuilt"


def test_structural_changes_are_ordered_like_text():
    server = ServerDocument(START)
    a, b = Replica("a", server.join()), Replica("b", server.join())
    a.structure("insert", "op3", kind=ParagraphKind.OPERATIVE, level=0, position=3, text="Decides to remain seized;")
    b.structure("move", "op2", position=1)
    for replica in (a, b):
        reply = server.submit(parse_request(replica.outgoing()))
        assert reply.ok, reply
    for replica in (a, b):
        replica.receive(server.changes_since(0))
        assert [uid for uid, *_ in replica.document()] == ["pp1", "op2", "op1", "op3", "op9"]
        assert replica.text("op3") == "Decides to remain seized;"
        assert replica.inflight is None


def test_unused_request_fields_do_not_leak_into_the_wire():
    wire = Request("c", 1, 0, "text", "op1", "g1", delta="=3").to_wire()
    assert set(wire) == {"client", "cseq", "base", "generation", "op", "paragraph", "delta"}


# -- applying a delta: the replica's own reading against diff-match-patch's --------------------------------
_LETTERS = st.sampled_from(list("ab c,;%\t") + ["é", "Ω", "中", "ع", "ж", "😀", "🇺", "\u200f"])


def _dmp_diffs(text: str, delta: str) -> list[tuple[int, str]] | str:
    from editor.domain import sync

    try:
        return sync._dmp.diff_fromDelta(text, delta)
    except (ValueError, UnicodeDecodeError, UnicodeEncodeError):
        return "refused"


def _our_diffs(text: str, delta: str) -> list[tuple[int, str]] | str:
    from editor.domain.sync import SyncError, delta_diffs

    try:
        return delta_diffs(text, delta)
    except SyncError:
        return "refused"


@settings(max_examples=400, deadline=None)
@given(st.text(_LETTERS, max_size=30), st.text(_LETTERS, max_size=30))
def test_a_delta_reads_as_diff_match_patch_reads_it(old, new):
    from editor.domain.sync import apply_delta, make_delta

    delta = make_delta(old, new)
    assert _our_diffs(old, delta) == _dmp_diffs(old, delta)
    assert apply_delta(old, delta) == new


_INSERTED = st.lists(_LETTERS | st.sampled_from(["%25", "%E2%82", "%zz", "%C3%A9"]), max_size=4).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.text(_LETTERS | st.just("\ud800"), max_size=20), st.lists(st.one_of(
    st.builds(lambda n: f"={n}", st.integers(-2, 25)), st.builds(lambda n: f"-{n}", st.integers(-2, 25)),
    st.builds(lambda t: "+" + t, _INSERTED), st.sampled_from(["", "x3", "=x", "=", "-+1", "= 2", "=1_0"])),
    max_size=6))
def test_any_delta_is_taken_or_refused_as_diff_match_patch_would(text, tokens):
    delta = "\t".join(tokens)
    assert _our_diffs(text, delta) == _dmp_diffs(text, delta)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_LETTERS, max_size=25), min_size=2, max_size=6))
def test_composed_diffs_turn_the_first_text_into_the_last(texts):
    """What the server merges a change made on an older version with: the exact diffs of the changes in
    between, composed, instead of a diff of the two texts."""
    from editor.domain.sync import TextVersion, _dmp, compose, diff, version_at

    composed = diff(texts[0], texts[1])
    for before, after in zip(texts[1:], texts[2:], strict=False):
        composed = compose(composed, diff(before, after))
    assert _dmp.diff_text1(composed) == texts[0] and _dmp.diff_text2(composed) == texts[-1]
    pairs = enumerate(zip(texts, texts[1:], strict=False), 1)
    versions = [TextVersion(0, texts[0])]
    versions += [TextVersion(n, after, tuple(diff(before, after))) for n, (before, after) in pairs]
    for seq, text in enumerate(texts):
        base, diffs = version_at(versions, seq)
        assert base == text and _dmp.diff_text1(diffs) == text and _dmp.diff_text2(diffs) == texts[-1]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 60), st.text(_LETTERS, min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 80), st.integers(0, 3), st.text(_LETTERS, max_size=3)),
                min_size=2, max_size=6), st.booleans())
def test_a_run_of_others_changes_carries_my_typing_over_whole(at, typed, edits, in_flight):
    """Several changes of others to a paragraph I am typing in, arriving in one message, are folded into one
    exact diff and my typing is carried over once: the agreed text is the server's, and mine is that text
    with my typing in it, as when they are applied one at a time. (Where another deleted text next to my
    typing, the two may place it a character apart: a local guess either way, which the server settles when
    my change arrives.)"""
    uid = "op9"
    server = ServerDocument(START)
    together, one_by_one, other = (Replica(name, server.join()) for name in ("me", "me", "other"))
    for replica in (together, one_by_one):
        text = replica.text(uid)
        replica.edit(uid, text[:at] + typed + text[at:])
    if in_flight:  # my typing sent, not yet back
        sent = together.outgoing()
        assert one_by_one.outgoing() == sent
    for where, cut, words in edits:
        text = other.text(uid)
        where = min(where, len(text))
        other.edit(uid, text[:where] + words + text[where + cut:])
        change = other.outgoing()
        if change is None:  # no change at all
            continue
        assert server.submit(parse_request(change)).ok
        other.receive(server.changes_since(other.seq))
    changes = [change.to_wire() for change in server.changes_since(together.seq)]
    together.receive(changes)
    for change in changes:
        one_by_one.receive([change])
    assert together.seq == one_by_one.seq == server.seq
    agreed = server.text_at(uid, server.seq)
    for replica in (together, one_by_one):
        assert replica.paras[uid].shadow == agreed
        assert Counter(replica.text(uid)) == Counter(agreed) + Counter(typed)
        if in_flight:
            assert Counter(replica.inflight.sent) == Counter(agreed) + Counter(typed)
