"""Live co-drafting end to end: real servers (`python wsgi.py`) on loopback, real python-socketio clients.

Delegates type their own words ("w3n7": delegate 3's eighth word) into one paragraph, each from its own
thread, all at once. A word is inserted whole between words, so each must come out exactly once.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from editor.domain.scenario import load_scenario_file
from editor.services.demo import DEMO_PASSWORD, DEMO_SCENARIO
from editor.services.scenarios import username_for
from tests import support
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.live import LiveServer
from tests.sync_client import BlockingDraftClient, DraftClient, LoopThread, fetch_draft, login

DRAFT = 1
DELEGATES = 8
PARAGRAPH = "live"
FILLER = " and the Council decides to remain seized of the matter,"
MEMBERS = [username_for(name) for name in load_scenario_file(DEMO_SCENARIO).members]
# The scale-out test makes its own database beside this one (as tests/conftest.py does), on CI's services.
POSTGRES = os.environ.get("DATABASE_URL", "")
if not POSTGRES.startswith("postgresql"):
    POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379"
Typist = Callable[[BlockingDraftClient], None]


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.stop()


@pytest.fixture
def servers() -> Iterator[list[LiveServer]]:
    """Servers a test starts; all stopped at its end, whatever happened."""
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def clients() -> Iterator[list[BlockingDraftClient]]:
    """Clients a test connects; closed at its end, before its servers stop."""
    connected: list[BlockingDraftClient] = []
    yield connected
    for client in connected:
        client.close()


def delegates(loop: LoopThread, urls: list[str], clients: list[BlockingDraftClient]) -> None:
    """DELEGATES clients spread over `urls`, each logged in as a Council member of the seed and joined to the
    demo draft; and one new paragraph in which each has its place: "<i>" followed by the same filler, so that
    each delegate's words stand apart from the others'."""
    for i in range(DELEGATES):
        client = BlockingDraftClient.log_in(loop, urls[i % len(urls)], MEMBERS[i % len(MEMBERS)], DEMO_PASSWORD,
                                            draft=DRAFT, client_id=f"d{i}-{uuid.uuid4().hex[:6]}")
        clients.append(client.connect())
    text = "".join(f"<{i}>{FILLER}" for i in range(DELEGATES))
    clients[0].add_paragraph(PARAGRAPH, len(clients[0].paragraphs()), text)
    for client in clients:
        client.wait_idle(10)
    deadline = time.monotonic() + 10
    while not all(PARAGRAPH in client.paragraphs() for client in clients):
        assert time.monotonic() < deadline, "the new paragraph did not reach every delegate"
        time.sleep(0.01)


def word(delegate: int, n: int) -> str:
    return f"w{delegate}n{n}"


def typist(delegate: int, words: range, pause: float) -> Typist:
    """Types `words` one by one, each at a random word boundary of its own place in the paragraph (between
    "<i>" and the filler), as this delegate sees it."""

    def type_words(client: BlockingDraftClient) -> None:
        rng = random.Random(delegate)
        for n in words:
            def insert(c: DraftClient, n: int = n) -> None:
                text = c.text(PARAGRAPH)
                start = text.index(f"<{delegate}>") + len(f"<{delegate}>")
                end = text.index(FILLER, start)
                boundaries = [start] + [i for i in range(start + 1, end + 1) if i == end or text[i] == " "]
                c.type(PARAGRAPH, rng.choice(boundaries), " " + word(delegate, n))

            client.atomically(insert)
            time.sleep(rng.uniform(0, 2 * pause))

    return type_words


def all_at_once(clients: list[BlockingDraftClient], work: list[Typist]) -> None:
    errors: list[BaseException] = []

    def run(client: BlockingDraftClient, job: Typist) -> None:
        try:
            job(client)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(clients, work, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors


def server_text(loop: LoopThread, server: LiveServer) -> str:
    cookie = loop.run(login(server.url, MEMBERS[0], DEMO_PASSWORD))
    draft = loop.run(fetch_draft(server.url, cookie, DRAFT))
    return next(p["text"] for p in draft["paragraphs"] if p["id"] == PARAGRAPH)


def assert_converged(loop: LoopThread, clients: list[BlockingDraftClient], servers: list[LiveServer],
                     typed: dict[int, range]) -> None:
    """Every client idle with the same draft, every server with that text, every typed word in it once."""
    for client in clients:
        client.wait_idle(30)
    documents = [client.document() for client in clients]
    assert all(document == documents[0] for document in documents)
    text = clients[0].text(PARAGRAPH)
    assert all(server_text(loop, server) == text for server in servers)
    tokens = text.split()
    not_once = {word(d, n): tokens.count(word(d, n))
                for d, words in typed.items() for n in words if tokens.count(word(d, n)) != 1}
    states = [client.state() for client in clients]
    assert not not_once, f"words not exactly once: {not_once}\n{text}\n{states}"
    assert not any(state["errors"] or state["problems"] for state in states), states


def test_delegates_typing_into_one_paragraph_converge(loop, servers, clients, tmp_path: Path):
    servers.append(LiveServer(f"sqlite:///{tmp_path / 'live.db'}").start())
    delegates(loop, [servers[0].url], clients)
    words = range(12)
    all_at_once(clients, [typist(i, words, pause=0.01) for i in range(DELEGATES)])
    assert_converged(loop, clients, servers, dict.fromkeys(range(DELEGATES), words))


def test_acknowledged_edits_survive_a_crash_and_pending_ones_arrive_once(loop, servers, clients, tmp_path: Path):
    server = LiveServer(f"sqlite:///{tmp_path / 'crash.db'}").start()
    servers.append(server)
    delegates(loop, [server.url], clients)
    before, during, after = range(0, 8), range(8, 14), range(14, 20)
    all_at_once(clients, [typist(i, before, pause=0.01) for i in range(DELEGATES)])

    # Killed while every delegate is typing: some changes are committed, some acknowledged, some in flight.
    typing = threading.Thread(target=all_at_once, args=(
        clients, [typist(i, during, pause=0.01) for i in range(DELEGATES)]))
    typing.start()
    time.sleep(0.03)
    server.kill()
    acknowledged = {i: range(client.acked) for i, client in enumerate(clients)}  # type() calls, one word each
    typing.join(60)

    server.start()
    committed = server_text(loop, server).split()
    lost = [word(i, n) for i, words in acknowledged.items() for n in words if word(i, n) not in committed]
    assert not lost, f"acknowledged but not committed: {lost}"

    all_at_once(clients, [typist(i, after, pause=0.005) for i in range(DELEGATES)])
    assert_converged(loop, clients, servers, dict.fromkeys(range(DELEGATES), range(20)))
    assert all(client.joins >= 2 for client in clients), "every client should have joined again by itself"


@pytest.mark.postgres
def test_two_servers_on_one_database_and_message_queue_converge(loop, clients):
    queue = f"{REDIS}/{random.randint(1, 15)}"
    try:
        redis.Redis.from_url(queue, socket_connect_timeout=2).ping()
        database_url = create_postgres_database(POSTGRES)
    except Exception as error:  # no server answering, whatever the driver calls it
        support.unavailable(f"PostgreSQL and Redis ({error})")
    servers: list[LiveServer] = []
    try:
        # The first process migrates and loads the demo; the second only serves.
        servers.append(LiveServer(database_url, demo=True, AUTO_MIGRATE="1", SOCKETIO_MESSAGE_QUEUE=queue).start())
        servers.append(LiveServer(database_url, demo=False, AUTO_MIGRATE="0", SOCKETIO_MESSAGE_QUEUE=queue).start())
        delegates(loop, [server.url for server in servers], clients)
        words = range(10)
        all_at_once(clients, [typist(i, words, pause=0.01) for i in range(DELEGATES)])
        assert_converged(loop, clients, servers, dict.fromkeys(range(DELEGATES), words))
    finally:
        for server in servers:
            server.stop()
        drop_postgres_database(database_url)
