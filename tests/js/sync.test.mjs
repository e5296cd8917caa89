// The shared test vectors (tests/vectors/sync.json) through static/js/sync.js, against a small port of the
// reference server (ServerDocument in editor/domain/sync.py). tests/domain/test_sync_vectors.py runs the
// same file through the Python engine: both must send the same wire messages and end on the same texts.
//
//     node --test tests/js/

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import diff_match_patch from "../../static/vendor/diff-match-patch.js";
import { INSERT, MOVE, LEVEL, TEXT, Replica, applyDelta, asCodePoints, diff, makeDelta, merge3 }
  from "../../static/js/sync.js";

const VECTORS = JSON.parse(readFileSync(new URL("../vectors/sync.json", import.meta.url), "utf8"));
const dmp = new diff_match_patch();

// The client's text merged into the current one, as the server does (Python's `merge`).
function merge(base, mine, current) {
  if (base === current) return { text: mine, conflicts: [] };
  return merge3(base, diff(base, current), diff(base, mine));
}

// The end (exclusive) of the paragraph at `index` together with its sub-paragraphs.
function blockEnd(paragraphs, index) {
  let end = index + 1;
  while (end < paragraphs.length && paragraphs[end].level > paragraphs[index].level) end++;
  return end;
}

// ServerDocument, for well-formed requests: the order of the log, the merge, exactly-once.
class Server {
  constructor(paragraphs, generation = "g1") {
    this.generation = generation;
    this.paragraphs = paragraphs.map((p) => ({ ...p }));
    this.seq = 0;
    this.log = [];
    this.history = new Map(paragraphs.map((p) => [p.id, [[0, p.text]]]));
    this.applied = new Map(); // "client cseq" -> seq
  }

  snapshot() {
    return { generation: this.generation, seq: this.seq, paragraphs: this.paragraphs.map((p) => ({ ...p })) };
  }

  textAt(uid, seq) {
    return this.history.get(uid).findLast(([at]) => at <= seq)[1];
  }

  submit(request, author) {
    const done = this.applied.get(`${request.client} ${request.cseq}`);
    if (done !== undefined) return { ok: true, seq: done, duplicate: true };
    const index = this.paragraphs.findIndex((p) => p.id === request.paragraph);
    if (request.op !== INSERT && index < 0) {
      return { ok: false, error: { code: "no_paragraph", message:
        `There is no paragraph ${request.paragraph} in this draft (it may have been deleted).` } };
    }
    const seq = this.seq + 1;
    const change = { seq, op: request.op, paragraph: request.paragraph, client: request.client,
                     cseq: request.cseq, ...author };
    let conflicts = [];
    if (request.op === TEXT) {
      const current = this.paragraphs[index].text;
      const mine = applyDelta(this.textAt(request.paragraph, request.base), request.delta);
      const merged = merge(this.textAt(request.paragraph, request.base), mine, current);
      conflicts = merged.conflicts;
      change.delta = makeDelta(current, merged.text);
      this.paragraphs[index].text = merged.text;
      this.history.get(request.paragraph).push([seq, merged.text]);
    } else {
      this.restructure(request, index);
      if (request.op === INSERT) {
        change.text = request.text;
        this.history.set(request.paragraph, [[seq, request.text]]);
      }
      change.layout = this.paragraphs.map((p) => [p.id, p.kind, p.level]);
    }
    this.seq = seq;
    this.log.push(change);
    this.applied.set(`${request.client} ${request.cseq}`, seq);
    return conflicts.length ? { ok: true, seq, conflicts } : { ok: true, seq };
  }

  restructure(request, index) {
    const paragraphs = this.paragraphs;
    if (request.op === INSERT) {
      const { paragraph: id, kind, level, text } = request;
      paragraphs.splice(Math.min(request.position, paragraphs.length), 0, { id, kind, level, text });
      return;
    }
    const block = paragraphs.splice(index, blockEnd(paragraphs, index) - index); // all a delete does
    if (request.op === MOVE) paragraphs.splice(request.position, 0, ...block);
    if (request.op === LEVEL) {
      const shift = request.level - block[0].level;
      for (const p of block) p.level += shift;
      paragraphs.splice(index, 0, ...block);
    }
  }

  join(client, since, generation) {
    const applied = Math.max(0, ...[...this.applied.keys()]
      .filter((key) => key.startsWith(`${client} `)).map((key) => Number(key.split(" ")[1])));
    if (since !== undefined && generation === this.generation && since >= 0 && since <= this.seq) {
      return { generation: this.generation, seq: this.seq, applied, changes: this.log.slice(since) };
    }
    return { ...this.snapshot(), applied };
  }
}

// The clients and the server, with the network in the scenario's hands (as the Python Harness).
class Harness {
  constructor(scenario) {
    this.server = new Server(scenario.paragraphs);
    this.clients = new Map();
    this.replies = new Map();
    this.delivered = new Map();
    for (const name of scenario.clients) this.join(name);
  }

  join(name) {
    this.clients.set(name, new Replica(name, this.server.snapshot()));
    this.replies.set(name, []);
    this.delivered.set(name, new Set(this.server.log.map((change) => change.seq)));
  }

  submit(name, wire) {
    if (wire !== null) {
      // Through JSON, as on a socket: the server gets a copy, the client keeps its own.
      // A reply is paired with its change's cseq, as the Socket.IO ack id pairs them.
      const reply = this.server.submit(JSON.parse(JSON.stringify(wire)), { delegation: name });
      this.replies.get(name).push([wire.cseq, reply]);
    }
  }

  deliver(name, seqs) {
    const delivered = this.delivered.get(name);
    const client = this.clients.get(name);
    if (seqs === undefined) {
      const missing = this.server.log.filter((change) => !delivered.has(change.seq));
      client.receive(missing.map((change) => structuredClone(change)));
      for (const change of missing) delivered.add(change.seq);
      return;
    }
    for (const seq of seqs) {
      client.receive([structuredClone(this.server.log[seq - 1])]);
      delivered.add(seq);
    }
  }

  step(step) {
    const name = step.client;
    const client = this.clients.get(name);
    switch (step.do) {
      case "join": return this.join(name);
      case "edit": return client.edit(step.paragraph, step.text);
      case "structure": {
        const args = Object.fromEntries(["kind", "level", "position", "text"]
          .filter((key) => key in step).map((key) => [key, step[key]]));
        return client.structure(step.op, step.paragraph, args);
      }
      case "send": {
        const wire = client.outgoing();
        assert.deepEqual(wire, step.wire);
        if (!step.lost) this.submit(name, wire);
        return;
      }
      case "reply": {
        const [cseq, reply] = this.replies.get(name).shift();
        assert.deepEqual(reply, step.reply);
        return client.onReply(reply, cseq);
      }
      case "deliver": return this.deliver(name, step.seqs);
      case "resend": return this.submit(name, client.onReconnect());
      case "reconnect": {
        this.replies.set(name, []);
        const since = step.snapshot ? {} : client.joinRequest();
        client.onJoin(this.server.join(name, since.since, since.generation));
        this.delivered.set(name, new Set(this.server.log.map((change) => change.seq)));
        return this.submit(name, client.onReconnect());
      }
      case "check": return Harness.check(client, step);
      case "settle": return this.settle();
      default: throw new Error(`unknown step ${step.do}`);
    }
  }

  static check(client, step) {
    for (const [uid, text] of Object.entries(step.texts ?? {})) assert.equal(client.text(uid), text);
    if ("order" in step) assert.deepEqual(client.order, step.order);
    if ("pending" in step) assert.equal(client.pending(), step.pending);
    if ("has_gap" in step) assert.equal(client.hasGap, step.has_gap);
    if ("problems" in step) assert.deepEqual(client.problems.map((p) => p.code), step.problems);
  }

  // Until nothing moves: every client hears its replies, receives the log and sends what it has.
  settle() {
    for (let moved = true; moved;) {
      moved = false;
      for (const [name, client] of this.clients) {
        const replies = this.replies.get(name);
        while (replies.length) {
          const [cseq, reply] = replies.shift();
          client.onReply(reply, cseq);
          moved = true;
        }
        if (this.delivered.get(name).size < this.server.seq) {
          this.deliver(name);
          moved = true;
        }
        const wire = client.outgoing();
        if (wire !== null) {
          this.submit(name, wire);
          moved = true;
        }
      }
    }
  }
}

for (const vector of VECTORS.deltas) {
  test(`delta: ${vector.name}`, () => {
    assert.equal(makeDelta(vector.old, vector.new), vector.delta);
    assert.equal(applyDelta(vector.old, vector.delta), vector.new);
  });
}

for (const scenario of VECTORS.scenarios) {
  test(`scenario: ${scenario.name}`, () => {
    const harness = new Harness(scenario);
    for (const step of scenario.steps) harness.step(step);
    harness.settle();
    assert.deepEqual(harness.server.paragraphs.map((p) => [p.id, p.kind, p.level, p.text]), scenario.final);
    for (const client of harness.clients.values()) {
      assert.deepEqual(client.document(), scenario.final);
      assert.equal(client.pending(), 0);
      assert.equal(client.hasGap, false);
    }
  });
}

test("no delta ever cuts a surrogate pair, whatever the emoji", () => {
  const pieces = ["😀", "😁", "👍🏽", "👍🏿", "👨‍👩‍👧", "🇫🇷", "🇩🇪", "𠀀", "a", " ", "é", "中", "ع", "я"];
  let seed = 7;
  const pick = () => pieces[(seed = (seed * 48271) % 2147483647) % pieces.length];
  for (let round = 0; round < 500; round++) {
    const old = Array.from({ length: 8 }, pick).join("");
    const text = Array.from({ length: 8 }, pick).join("");
    assert.equal(applyDelta(old, makeDelta(old, text)), text);
  }
});
