"""The shared test vectors (tests/vectors/sync.json) through the Python engine: `Replica` clients against the
reference `ServerDocument`. tests/js/sync.test.mjs runs the same file through static/js/sync.js, so both
clients make the same wire messages, byte for byte, and end on the same texts.

A scenario starts every client on the server's snapshot and runs its steps (the file's "about" says what
each step does); then everyone settles (sends, hears back and receives everything) and every client and the
server must hold the scenario's final document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from editor.domain.document import Paragraph, ParagraphKind
from editor.domain.sync import Replica, ServerDocument, apply_delta, make_delta, parse_request

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "sync.json").read_text(encoding="utf-8"))


class Harness:
    """Clients and the reference server, with the network in the scenario's hands: replies wait for a
    `reply` step and the log for a `deliver` step, so the scenario chooses every order."""

    def __init__(self, scenario: dict[str, Any]):
        self.server = ServerDocument([
            Paragraph(p["id"], ParagraphKind(p["kind"]), p["level"], p["text"]) for p in scenario["paragraphs"]
        ])
        self.clients: dict[str, Replica] = {}
        self.replies: dict[str, list[tuple[int, dict[str, Any]]]] = {}  # (cseq, reply) as the ack id pairs them
        self.delivered: dict[str, set[int]] = {}
        for name in scenario["clients"]:
            self.join(name)

    def join(self, name: str) -> None:
        self.clients[name] = Replica(name, self.server.snapshot())
        self.replies[name] = []
        self.delivered[name] = set(range(1, self.server.seq + 1))

    def submit(self, name: str, wire: dict[str, Any] | None) -> None:
        if wire is not None:
            reply = self.server.submit(parse_request(wire), {"delegation": name})
            self.replies[name].append((wire["cseq"], reply.to_wire()))

    def deliver(self, name: str, seqs: list[int] | None = None) -> None:
        """The log entries `seqs`, one message each in that order; by default all not yet delivered, as one."""
        log = {change.seq: change.to_wire() for change in self.server.log}
        if seqs is None:
            missing = [seq for seq in sorted(log) if seq not in self.delivered[name]]
            self.clients[name].receive([log[seq] for seq in missing])
            self.delivered[name].update(missing)
            return
        for seq in seqs:
            self.clients[name].receive([log[seq]])
            self.delivered[name].add(seq)

    def step(self, step: dict[str, Any]) -> None:
        do, name = step["do"], step.get("client")
        client = self.clients.get(name)
        if do == "join":
            self.join(name)
        elif do == "edit":
            client.edit(step["paragraph"], step["text"])
        elif do == "structure":
            args = {key: step[key] for key in ("level", "position", "text") if key in step}
            if "kind" in step:
                args["kind"] = ParagraphKind(step["kind"])
            client.structure(step["op"], step["paragraph"], **args)
        elif do == "send":
            wire = client.outgoing()
            assert wire == step["wire"]
            if not step.get("lost"):
                self.submit(name, wire)
        elif do == "reply":
            cseq, reply = self.replies[name].pop(0)
            assert reply == step["reply"]
            client.on_reply(reply, cseq)
        elif do == "deliver":
            self.deliver(name, step.get("seqs"))
        elif do == "resend":
            self.submit(name, client.on_reconnect())
        elif do == "reconnect":  # replies in the air are lost; join again, then the flight goes again
            self.replies[name].clear()
            since = {} if step.get("snapshot") else client.join_request()
            client.on_join(self.server.join(name, since.get("since"), since.get("generation")))
            self.delivered[name] = set(range(1, self.server.seq + 1))
            self.submit(name, client.on_reconnect())
        elif do == "check":
            self.check(client, step)
        elif do == "settle":
            self.settle()
        else:
            raise AssertionError(f"unknown step {do}")

    @staticmethod
    def check(client: Replica, step: dict[str, Any]) -> None:
        for uid, text in step.get("texts", {}).items():
            assert client.text(uid) == text
        if "order" in step:
            assert client.order == step["order"]
        if "pending" in step:
            assert client.pending() == step["pending"]
        if "has_gap" in step:
            assert client.has_gap == step["has_gap"]
        if "problems" in step:
            assert [problem.get("code") for problem in client.problems] == step["problems"]

    def settle(self) -> None:
        """Until nothing moves: every client hears its replies, receives the log and sends what it has."""
        while True:
            moved = False
            for name, client in self.clients.items():
                while self.replies[name]:
                    client.on_reply(*reversed(self.replies[name].pop(0)))
                    moved = True
                if len(self.delivered[name]) < self.server.seq:
                    self.deliver(name)
                    moved = True
                wire = client.outgoing()
                if wire is not None:
                    self.submit(name, wire)
                    moved = True
            if not moved:
                return


@pytest.mark.parametrize("vector", VECTORS["deltas"], ids=[v["name"] for v in VECTORS["deltas"]])
def test_the_delta_of_each_pair(vector):
    assert make_delta(vector["old"], vector["new"]) == vector["delta"]
    assert apply_delta(vector["old"], vector["delta"]) == vector["new"]


@pytest.mark.parametrize("scenario", VECTORS["scenarios"], ids=[s["name"] for s in VECTORS["scenarios"]])
def test_each_scenario_converges_on_its_final_document(scenario):
    harness = Harness(scenario)
    for step in scenario["steps"]:
        harness.step(step)
    harness.settle()
    final = [tuple(entry) for entry in scenario["final"]]
    assert [(p.uid, p.kind.value, p.level, p.text) for p in harness.server.paragraphs] == final
    for client in harness.clients.values():
        assert client.document() == final
        assert client.pending() == 0
        assert not client.has_gap
