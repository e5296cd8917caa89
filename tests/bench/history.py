#!/usr/bin/env python3
"""Benchmark of tracked revisions on a long history: a draft of 200 paragraphs carrying 10,000 revisions.

    python tests/bench/history.py [--paragraphs 200] [--revisions 10000] [--database-url URL] [--json]

Builds the draft through the real services (the committer's `apply_batch`, the delegations of the Security
Council each inserting a word or deleting a few letters at random places, as much deleted as inserted, the
penholder naming "zero draft", "rev.1", "rev.2" and "rev.3" along the way), then times, through the app's
own HTTP routes (Flask's test client, logged in as the penholder):
- opening the draft: the draft page, plus what a joining browser is sent (the text), as one figure;
- the redline (Markup) against each named version: the first request after a restart (the history read
  back from its snapshot, taken 400 changes before the end, plus the log after it; at 500 a request
  writes a new one, timed apart as `snapshot_write_ms`),
  the first one ever (no snapshot: the whole log replayed), and the following ones (the history in memory);
- the history slider: one step is `GET /text?at=<seq>` for a random point, plus the timeline page around it;
- the database's size per revision at each quarter of the history (SQLite: the file; PostgreSQL: the
  tables), which should stay flat.
Each timing is the median and the worst of several runs, in ms. See README.md here.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from sqlalchemy import delete, select, text  # noqa: E402

from editor import create_app  # noqa: E402
from editor.domain import document  # noqa: E402
from editor.domain.sync import TEXT, Request, make_delta  # noqa: E402
from editor.persistence.models import Draft, HistorySnapshot, Role, User  # noqa: E402
from editor.services import log, revisions  # noqa: E402
from editor.services import sync as sync_service  # noqa: E402
from editor.services.demo import DEMO_PASSWORD  # noqa: E402
from editor.services.log import Histories  # noqa: E402
from tests.bench.drafts import open_demo_draft  # noqa: E402
from tests.support import login  # noqa: E402

now = time.perf_counter
WORDS = ("peace", "security", "Member States", "peacekeeping", "capacity", "training", "women", "partners",
         "regional", "support", "resources", "mandate", "operations", "effective", "sustainable", "to")


def timed(function, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = now()
        function()
        times.append((now() - start) * 1000)
    return statistics.median(times), max(times)


def database_bytes(app, session) -> int:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return Path(url.split("///", 1)[1]).stat().st_size
    return session.execute(text("SELECT pg_database_size(current_database())")).scalar()


def build(app, paragraphs: int, revisions_wanted: int, seed: int) -> tuple[int, dict[int, int]]:
    """The draft, its revisions and its named versions; returns the draft id and {revisions: (bytes of the
    database beyond the demo data, mean paragraph length)}."""
    rng = random.Random(seed)
    database = app.extensions["penholder.database"]
    sizes: dict[int, tuple[int, float]] = {}
    with database.sessionmaker() as session:
        opening = [document.Paragraph(f"p{i:04d}", document.ParagraphKind.PREAMBULAR if i < paragraphs // 4
                                      else document.ParagraphKind.OPERATIVE, 0,
                                      " ".join(rng.choice(WORDS) for _ in range(30)))
                   for i in range(paragraphs)]
        draft, penholder = open_demo_draft(session, "Peacekeeping operations", opening)
        draft_id = draft.id
        writers = [u.id for u in session.scalars(select(User).where(
            User.role.in_([Role.DELEGATE, Role.PENHOLDER]), User.demo.is_(True)))]
        base_bytes = database_bytes(app, session)
        session.commit()
    texts = {p.uid: p.text for p in opening}
    live = sync_service.LiveDrafts()
    names = iter(["zero draft", "rev.1", "rev.2", "rev.3"])
    done, cseq = 0, 0
    while done < revisions_wanted:
        with database.sessionmaker() as session:
            draft = session.get(Draft, draft_id)
            version, generation = draft.version, draft.generation
            batch = []
            for _ in range(min(100, revisions_wanted - done)):
                uid = rng.choice(list(texts))
                old = texts[uid]
                if rng.random() < 0.5 and len(old) > 40:  # as much deleted as inserted: the text keeps its size
                    at = rng.randrange(len(old) - 12)
                    new = old[:at] + old[at + rng.randint(5, 12):]
                else:
                    at = rng.randrange(len(old) + 1)
                    new = old[:at] + rng.choice(WORDS) + " " + old[at:]
                cseq += 1
                batch.append((rng.choice(writers), draft_id,
                              Request("bench", cseq, version, TEXT, uid, generation, delta=make_delta(old, new))))
                texts[uid] = new
                version += 1
            applied = sync_service.apply_batch(session, batch, live)
            assert all(a.reply.ok for a in applied), [a.reply for a in applied if not a.reply.ok][:1]
            session.commit()
            done += len(batch)
            if done == revisions_wanted - Histories.SNAPSHOT_EVERY + 100:
                # someone reads a redline: the history is snapshotted here, 400 changes before the end (at
                # 500 the next redline writes a new one)
                revisions.redline(session, session.get(User, penholder.id), draft_id, None)
                revisions.forget_histories()
            if done % (revisions_wanted // 4) == 0:
                penholder = session.get(User, penholder.id)
                revisions.name_version(session, penholder, draft_id, next(names))
                session.commit()
                sizes[done] = (database_bytes(app, session) - base_bytes, sum(map(len, texts.values())) / len(texts))
                session.commit()
    return draft_id, sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--revisions", type=int, default=10_000)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2482)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'history.db'}"
        config = {"DATABASE_URL": url, "SECRET_KEY": "bench", "AUTO_MIGRATE": True, "TESTING": True}
        app = create_app(config)
        start = now()
        draft_id, sizes = build(app, args.paragraphs, args.revisions, args.seed)
        build_s = now() - start
        with app.app_context(), app.extensions["penholder.database"].sessionmaker() as session:
            penholder = session.scalar(select(User).where(User.role == Role.PENHOLDER, User.demo.is_(True))
                                       .order_by(User.id))
            username = penholder.username
        client = app.test_client()
        assert login(client, username, DEMO_PASSWORD).status_code in (302, 303)

        def get(path: str):
            response = client.get(path, headers={"Accept": "application/json"})
            assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:200])
            return response

        def open_draft():
            get(f"/drafts/{draft_id}")
            with app.app_context(), app.extensions["penholder.database"].sessionmaker() as session:
                sync_service.join(session, session.get(Draft, draft_id), None, None)

        results: dict = {"paragraphs": args.paragraphs, "revisions": args.revisions, "build_s": round(build_s, 1),
                         "database": url.split(":", 1)[0]}
        results["open_ms"] = timed(open_draft, args.runs)
        versions = [v["name"] for v in get(f"/api/drafts/{draft_id}/versions").get_json()["versions"]]
        def after_restart():
            revisions.forget_histories()  # as a restart does: the first redline reads the history back
            get(f"/api/drafts/{draft_id}/redline?from=zero%20draft")

        results["redline_after_restart_ms"] = timed(after_restart, 5)
        with app.app_context(), app.extensions["penholder.database"].sessionmaker() as session:
            session.execute(delete(HistorySnapshot))
            session.commit()
        revisions.forget_histories()
        results["redline_no_snapshot_ms"] = timed(
            lambda: get(f"/api/drafts/{draft_id}/redline?from=zero%20draft"), 1)
        for name in versions:
            results[f"redline_{name.replace(' ', '_').replace('.', '')}_ms"] = timed(
                lambda name=name: get(f"/api/drafts/{draft_id}/redline?from={name}"), args.runs)
        rng = random.Random(args.seed)
        last = get(f"/api/drafts/{draft_id}").get_json()["version"]

        def step():
            seq = rng.randint(1, last)
            get(f"/api/drafts/{draft_id}/text?at={seq}")
            get(f"/api/drafts/{draft_id}/history?before={seq + 1}&limit=20")

        results["slider_step_ms"] = timed(step, args.runs * 5)
        with app.app_context(), app.extensions["penholder.database"].sessionmaker() as session:
            draft = session.get(Draft, draft_id)
            tracked = log.history(session, draft_id)
            results["snapshot_write_ms"] = timed(
                lambda: log._write_snapshot(session, draft_id, draft.generation, tracked), 3)
            results["snapshot_kib"] = round(len(session.scalar(select(HistorySnapshot.state))) / 1024)
        results["bytes_per_revision"] = {n: round(size / n) for n, (size, _) in sizes.items()}
        results["mean_paragraph_chars"] = {n: round(chars) for n, (_, chars) in sizes.items()}
        results = {k: [round(x, 1) for x in v] if isinstance(v, tuple) else v for k, v in results.items()}
    if args.json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
