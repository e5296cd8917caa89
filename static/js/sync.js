// Live co-drafting: the client state machine of editor/domain/sync.py (`Replica`), line for line.
//
// One draft is one ordered log. Every change the server accepts gets the draft's next sequence number
// (`seq`); every replica applies the log in that order, so all copies converge. A replica keeps, per
// paragraph, its shadow (the server's text at the replica's seq) and its local text (what the delegate
// sees), and has at most one change in flight. Nothing here touches the DOM or a socket: `outgoing()`
// gives the next message to send, `receive()` takes the log, `onReply()` the server's answer to the change
// in flight, `onReconnect()` says what to send again.
//
// Offsets on the wire are UTF-16 code units. diff-match-patch in JavaScript diffs code units and can cut
// an emoji's surrogate pair in two (its delta encoder then throws); Python diffs code points. `asCodePoints`
// lets the JavaScript library see code points too, so both sides make the same delta for the same texts.

import diff_match_patch, { DIFF_DELETE, DIFF_EQUAL, DIFF_INSERT } from "../vendor/diff-match-patch.js";

export const TEXT = "text";
export const INSERT = "insert";
export const DELETE = "delete";
export const MOVE = "move";
export const LEVEL = "level";

const dmp = new diff_match_patch();
dmp.Diff_Timeout = 0.2; // as on the server: a diff never holds the page for long; a quick diff is correct

export class SyncError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// -- text ----------------------------------------------------------------------------------------

// Stand-ins for astral characters: private-use characters first, then the rest of the BMP. Never a
// surrogate, and never below U+0100 (patch_apply pads texts with U+0001..U+0004).
function* standIns() {
  for (let unit = 0xe000; unit <= 0xffff; unit++) yield String.fromCharCode(unit);
  for (let unit = 0x0100; unit < 0xd800; unit++) yield String.fromCharCode(unit);
}

// `encode` turns every astral character (a surrogate pair) of `texts` into one BMP character that none of
// them holds, `decode` turns it back. diff-match-patch only compares characters, so on encoded texts it
// computes exactly the diff Python computes on code points, and it never splits a pair.
export function asCodePoints(...texts) {
  const astral = new Set();
  const used = new Set();
  for (const text of texts) {
    for (const char of text) (char.length === 2 ? astral : used).add(char);
  }
  if (astral.size === 0) return { encode: (text) => text, decode: (text) => text };
  const encoding = new Map();
  const decoding = new Map();
  const free = standIns();
  for (const char of astral) {
    let standIn = free.next().value;
    while (used.has(standIn)) standIn = free.next().value;
    if (standIn === undefined) throw new SyncError("paragraph_too_long", "Too many different characters.");
    encoding.set(char, standIn);
    decoding.set(standIn, char);
  }
  const swap = (map) => (text) => Array.from(text, (char) => map.get(char) ?? char).join("");
  return { encode: swap(encoding), decode: swap(decoding) };
}

// The delta (diff-match-patch's format, UTF-16 counts) that turns `old` into `text`.
export function makeDelta(old, text) {
  const codec = asCodePoints(old, text);
  const diffs = dmp.diff_main(codec.encode(old), codec.encode(text), false);
  for (const diff of diffs) diff[1] = codec.decode(diff[1]);
  return dmp.diff_toDelta(diffs);
}

// The least change from `old` to `text`, computed on code points as in Python, and kept exact (Python's
// `diff` says why no clean-up).
export function diff(old, text) {
  const codec = asCodePoints(old, text);
  const diffs = dmp.diff_main(codec.encode(old), codec.encode(text), false);
  for (const d of diffs) d[1] = codec.decode(d[1]);
  return diffs;
}

// `text` changed by `delta`; SyncError when the delta does not fit the text it claims to change.
export function applyDelta(text, delta) {
  return dmp.diff_text2(deltaDiffs(text, delta));
}

// The diffs a delta describes on `text`: the exact change, not a diff recomputed from its result.
export function deltaDiffs(text, delta) {
  let diffs;
  try {
    diffs = dmp.diff_fromDelta(text, delta);
  } catch (error) {
    throw new SyncError("bad_delta", `The change does not fit the text it was made on (${error.message}).`);
  }
  // Python refuses a delta whose counts cut a surrogate pair; so does this.
  if (diffs.some((diff) => !diff[1].isWellFormed())) {
    throw new SyncError("bad_delta", "The change does not fit the text it was made on (it cuts a character).");
  }
  return diffs;
}

// Both changes of `base` applied: `first` (already in the log), then `second`. Python's `merge3`: the two
// diffs are walked over `base` position by position, so an insert lands exactly where it was made however
// often the text around it repeats; at one position the first change's insert comes first; what the
// second inserts where the first deleted text (within CONFLICT_REACH) is kept and reported as a conflict.
export const CONFLICT_REACH = 3;

// The positions of the base text that a diff deletes (UTF-16 units here, code points in Python: a
// conflict is only a notice, and the merged text is the same either way).
function deletedPositions(diffs) {
  const deleted = new Set();
  let position = 0;
  for (const [op, text] of diffs) {
    if (op === DIFF_DELETE) for (let q = position; q < position + text.length; q++) deleted.add(q);
    if (op !== DIFF_INSERT) position += text.length;
  }
  return deleted;
}

export function merge3(base, first, second) {
  const deleted = deletedPositions(first);
  const theirs = first.filter((d) => d[1]).map((d) => [d[0], d[1]]);
  const ours = second.filter((d) => d[1]).map((d) => [d[0], d[1]]);
  const out = [];
  const conflicts = [];
  let i = 0;
  let j = 0;
  let position = 0; // in base
  while (i < theirs.length || j < ours.length) {
    if (i < theirs.length && theirs[i][0] === DIFF_INSERT) {
      out.push(theirs[i][1]);
      i += 1;
      continue;
    }
    if (j < ours.length && ours[j][0] === DIFF_INSERT) {
      let near = false;
      for (let q = position - CONFLICT_REACH; q < position + CONFLICT_REACH; q++) near ||= deleted.has(q);
      if (near) conflicts.push(ours[j][1]);
      out.push(ours[j][1]);
      j += 1;
      continue;
    }
    if (i === theirs.length || j === ours.length) throw new Error("the two changes do not describe the same text");
    const n = Math.min(theirs[i][1].length, ours[j][1].length);
    const [theirOp, ourOp] = [theirs[i][0], ours[j][0]];
    if (theirOp === DIFF_EQUAL && ourOp === DIFF_EQUAL) out.push(theirs[i][1].slice(0, n));
    theirs[i][1] = theirs[i][1].slice(n);
    ours[j][1] = ours[j][1].slice(n);
    position += n;
    if (!theirs[i][1]) i += 1;
    if (!ours[j][1]) j += 1;
  }
  return { text: out.join(""), conflicts };
}

// Carry the change from `old` to `text` over to `onto` (another version of `old`, reached by `ontoDiffs`
// when they are known exactly).
export function rebase(old, text, onto, ontoDiffs = null) {
  if (old === text) return onto;
  if (old === onto) return text;
  return merge3(old, ontoDiffs ?? diff(old, onto), diff(old, text)).text;
}

// -- requests ------------------------------------------------------------------------------------

// A change as a client sends it, in its wire form (the fields of Python's `Request.to_wire`).
function request({ client, cseq, base, op, paragraph, generation = "", delta = null, kind = null,
                   level = null, position = null, text = "" }) {
  const wire = { client, cseq, base, generation, op, paragraph };
  if (op === TEXT) wire.delta = delta;
  if (op === INSERT) Object.assign(wire, { kind, text });
  if (op === INSERT || op === LEVEL) wire.level = level;
  if (op === INSERT || op === MOVE) wire.position = position;
  return wire;
}

// -- the client state machine --------------------------------------------------------------------

// One delegate's copy of a draft: local edits, one change in flight, the log applied in order.
export class Replica {
  constructor(client, snapshot) {
    this.client = client;
    this.nextCseq = 1;
    this.inflight = null; // {request, sent}: for text, `sent` is the local text it carried, kept rebased
    this.intents = []; // structural changes waiting their turn
    this.problems = []; // conflicts and refusals, for the delegate to see
    this.sent = new Map(); // cseq -> paragraph, until the reply comes
    this.load(snapshot);
  }

  // state ----------------------------------------------------------------------------------
  load(snapshot) {
    this.generation = snapshot.generation;
    this.seq = snapshot.seq;
    this.order = snapshot.paragraphs.map((p) => p.id);
    this.paras = new Map(snapshot.paragraphs.map((p) => [
      p.id, { kind: p.kind, level: p.level, shadow: p.text, local: p.text },
    ]));
    this.buffer = new Map();
  }

  text(uid) {
    return this.paras.get(uid).local;
  }

  document() {
    return this.order.map((uid) => {
      const para = this.paras.get(uid);
      return [uid, para.kind, para.level, para.local];
    });
  }

  // Changes not yet in the log: the one in flight, structural intents, paragraphs with unsent text.
  pending() {
    const flying = this.inflight?.sent != null ? this.inflight.request.paragraph : null;
    const unsent = this.order.filter((uid) => {
      const para = this.paras.get(uid);
      return para.local !== (uid === flying ? this.inflight.sent : para.shadow);
    }).length;
    return (this.inflight ? 1 : 0) + this.intents.length + unsent;
  }

  get hasGap() {
    return this.buffer.size > 0;
  }

  // local intents ----------------------------------------------------------------------------
  // The delegate's paragraph now reads `text`.
  edit(uid, text) {
    this.paras.get(uid).local = text;
  }

  // Insert, delete, move or indent: ordered by the server, shown when the log brings it back.
  structure(op, uid, args = {}) {
    this.intents.push({ client: this.client, cseq: 0, base: 0, op, paragraph: uid, ...args });
  }

  // The next change to send, if none is in flight.
  outgoing() {
    if (this.inflight !== null) return null;
    if (this.intents.length) {
      const intent = this.intents.shift();
      const wire = request({ ...intent, cseq: this.#takeCseq(), base: this.seq, generation: this.generation });
      this.inflight = { request: wire, sent: null };
      this.sent.set(wire.cseq, wire.paragraph);
      return { ...wire };
    }
    for (const uid of this.order) {
      const para = this.paras.get(uid);
      if (para.local !== para.shadow) {
        const wire = request({ client: this.client, cseq: this.#takeCseq(), base: this.seq,
                               generation: this.generation, op: TEXT, paragraph: uid,
                               delta: makeDelta(para.shadow, para.local) });
        this.inflight = { request: wire, sent: para.local };
        this.sent.set(wire.cseq, uid);
        return { ...wire };
      }
    }
    return null;
  }

  #takeCseq() {
    const cseq = this.nextCseq;
    this.nextCseq += 1;
    return cseq;
  }

  // what comes back --------------------------------------------------------------------------
  // Apply the log in order; a change from the future waits in the buffer for the ones before it.
  receive(changes) {
    for (const change of changes) {
      if (change.seq > this.seq) this.buffer.set(change.seq, change);
    }
    while (this.buffer.has(this.seq + 1)) {
      const change = this.buffer.get(this.seq + 1);
      this.buffer.delete(this.seq + 1);
      this.#apply(change);
    }
    for (const seq of [...this.buffer.keys()].filter((s) => s <= this.seq)) this.buffer.delete(seq);
  }

  #mine(change) {
    return this.inflight !== null && change.client === this.client
      && change.cseq === this.inflight.request.cseq;
  }

  #apply(change) {
    const mine = this.#mine(change);
    if (change.op === TEXT) {
      const para = this.paras.get(change.paragraph);
      const old = para.shadow;
      const diffs = deltaDiffs(old, change.delta ?? "");
      para.shadow = dmp.diff_text2(diffs);
      if (mine) {
        para.local = rebase(this.inflight.sent, para.local, para.shadow);
      } else {
        if (this.inflight && this.inflight.sent !== null
            && this.inflight.request.paragraph === change.paragraph) {
          this.inflight.sent = rebase(old, this.inflight.sent, para.shadow, diffs);
        }
        para.local = rebase(old, para.local, para.shadow, diffs);
      }
    } else {
      this.#applyLayout(change);
    }
    if (mine) this.inflight = null;
    this.seq = change.seq;
  }

  #applyLayout(change) {
    if (change.op === INSERT) {
      const text = change.text ?? "";
      this.paras.set(change.paragraph, { kind: "", level: 0, shadow: text, local: text });
    }
    const kept = new Set(change.layout.map(([uid]) => uid));
    for (const uid of [...this.paras.keys()].filter((uid) => !kept.has(uid))) {
      const para = this.paras.get(uid);
      this.paras.delete(uid);
      if (para.local !== para.shadow) {
        this.problems.push({ code: "deleted", paragraph: uid, lost: para.local,
                             message: "A paragraph you were editing was deleted." });
      }
    }
    for (const [uid, kind, level] of change.layout) Object.assign(this.paras.get(uid), { kind, level });
    this.order = change.layout.map(([uid]) => uid);
  }

  // The server's answer to the change in flight: a conflict to show, or a refusal to undo.
  // The server's answer to change `cseq`: conflicts to show, a refusal to undo, or "send again". The change
  // itself may have come back with the log before its reply; its conflicts still count. `unavailable`
  // leaves the change in flight: the caller sends it again (`resend()`).
  onReply(reply, cseq) {
    const paragraph = this.sent.get(cseq) ?? null;
    this.sent.delete(cseq);
    if (reply.ok) {
      for (const hunk of reply.conflicts ?? []) {
        this.problems.push({ code: "conflict", paragraph, hunk,
                             message: "Part of your change no longer fitted the text." });
      }
      return; // the change itself arrives, in order, with the log
    }
    const error = reply.error ?? {};
    const inflight = this.inflight;
    if (inflight === null || inflight.request.cseq !== cseq) return; // no longer in flight
    if (error.code === "unavailable") {
      this.sent.set(cseq, paragraph);
      return;
    }
    this.problems.push({ paragraph, ...error });
    const para = this.paras.get(inflight.request.paragraph);
    if (inflight.request.op === TEXT && para !== undefined) {
      para.local = para.shadow; // refused: the paragraph goes back to the agreed text
    }
    this.inflight = null;
  }

  // The change in flight, unchanged, to send again (a change sent twice is applied once).
  resend() {
    return this.inflight ? { ...this.inflight.request } : null;
  }

  // What to ask when (re)joining: the log since what this replica has applied.
  joinRequest() {
    return { client: this.client, since: this.seq, generation: this.generation };
  }

  // Take the server's answer to a (re)join: the changes missed, or the whole text.
  //
  // `applied` is the last cseq of this client the server holds: a change in flight at or below it was
  // applied before the connection dropped. When the whole text comes back (the log was too long to
  // replay) local edits are carried over onto it; when it comes from another generation (the draft was
  // rebuilt) nothing is merged: unsent text is reported as lost and the new text is taken as it is.
  onJoin(reply) {
    const applied = reply.applied ?? 0;
    if ("changes" in reply) {
      this.receive(reply.changes);
      return;
    }
    const inflight = this.inflight;
    if (reply.generation !== this.generation) {
      for (const uid of this.order) {
        const para = this.paras.get(uid);
        if (para.local !== para.shadow) {
          this.problems.push({ code: "generation", paragraph: uid, lost: para.local,
                               message: "The draft was rebuilt elsewhere; this edit was not merged." });
        }
      }
      this.inflight = null;
      this.intents = [];
      this.load(reply);
      return;
    }
    const old = new Map([...this.paras].map(([uid, p]) => [uid, [p.shadow, p.local]]));
    this.load(reply);
    for (const [uid, para] of this.paras) {
      if (!old.has(uid)) continue;
      const [shadow, local] = old.get(uid);
      // A change in flight already in the text: carry over only what was typed after it.
      const sentAlready = inflight && inflight.sent !== null && inflight.request.paragraph === uid
        && inflight.request.cseq <= applied;
      para.local = rebase(sentAlready ? inflight.sent : shadow, local, para.shadow);
    }
    if (inflight && (inflight.request.cseq <= applied || inflight.sent !== null)) {
      // Applied already, or (text) carried into the local text above, to be sent afresh from there.
      this.inflight = null;
    }
  }

  // After a lost connection and `onJoin`, the change still in flight goes again, unchanged.
  onReconnect() {
    return this.resend();
  }
}
