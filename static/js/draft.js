// Live co-drafting on the draft page: the Replica (sync.js) on a Socket.IO connection to /drafts, shown by
// the DraftView (view.js). The protocol is the README's "Live co-drafting protocol": join on every
// (re)connect, one change in flight, the log applied in order, a lasting gap closed by joining again.

import { io } from "../vendor/socket.io.esm.min.js";
import { Replica } from "./sync.js";
import { HistoryView } from "./history.js";
import { RedlineView } from "./redline.js";
import { DraftView } from "./view.js";
import { VoteBoard } from "./vote.js";

const GAP_WAIT_MS = 3000; // a change missing this long is fetched by joining again with `since`
const REPLY_WAIT_MS = 40000; // longer than the server's own 30 s before it answers "unavailable"
const RETRY_MS = 1000;
const REDLINE_WAIT_MS = 250; // typing elsewhere redraws the redline at most this often

const article = document.querySelector("article.resolution[data-draft-id]");
const draft = Number(article.dataset.draftId);
const client = `web-${crypto.getRandomValues(new Uint32Array(2)).join("-")}`; // one per page load

let replica = null;
let you = null;
let status = null;
let joined = false;
let gapTimer = null;
let focused = null;
let shownProblems = 0;

const view = new DraftView(article, {
  text(uid, text) {
    replica?.edit(uid, text);
    pump();
  },
  focus(uid) {
    focused = uid;
    if (joined) socket.emit("presence", { draft, paragraph: uid });
  },
  structure(op, uid, args) {
    replica?.structure(op, uid, args);
    pump();
  },
});

const socket = io("/drafts", { transports: ["websocket"] });

// -- Final (the live text), Markup (the redline) and Original (the baseline) -------------------------------
const redlineElement = document.querySelector("article.redline");
let mode = "final";
let redlineTimer = null;
let redlineSince = 0;
let reviewCseq = 0; // a review is a change of its own client: the replica keeps its own count
// The penholder accepts ("accept") or rejects ("reject") one change of the redline: a change of the log.
async function review(op, paragraph, change) {
  if (!joined || replica === null) return false;
  const wire = { draft, client: `${client}-review`, cseq: ++reviewCseq, base: replica.seq,
                 generation: replica.generation, op, paragraph, change, since: redlineSince };
  try {
    const reply = await socket.timeout(REPLY_WAIT_MS).emitWithAck("edit", wire);
    if (!reply.ok) problem(reply.error);
    return reply.ok;
  } catch {
    problem({ code: "unavailable", message: `The ${op === "accept" ? "acceptance" : "rejection"} got no answer; try again.` });
    return false;
  }
}
const redline = new RedlineView(redlineElement, {
  async review(op, paragraph, change) {
    await review(op, paragraph, change);
    drawRedline();
  },
  async reviewAll(op, changes) {
    // One after the other: each is a change of the log; a change's name survives the others' review, and
    // one that no longer shows (rejected with its paragraph, say) is refused without stopping the rest.
    for (const { paragraph, change } of changes) {
      if (!joined) break;
      await review(op, paragraph, change);
    }
    drawRedline();
  },
});
for (const button of document.querySelectorAll(".views button")) {
  button.addEventListener("click", () => {
    mode = button.dataset.mode;
    for (const other of document.querySelectorAll(".views button")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    article.hidden = mode !== "final";
    redlineElement.hidden = mode !== "markup" && mode !== "original";
    historyElement.hidden = mode !== "history";
    sinceSelect.closest("label").hidden = mode !== "markup" && mode !== "original";
    if (mode === "markup" || mode === "original") drawRedline();
    if (mode === "history") {
      timeslider.setLast(replica?.seq ?? Number(article.dataset.version));
      drawHistory(timeslider.seq);
    }
  });
}

// -- History: the whole text at any change of the log ------------------------------------------------------
const historyElement = document.querySelector("article.history");
let historyAsked = 0; // the slider moves faster than the server answers: only the last answer is drawn
const timeslider = new HistoryView(historyElement, { show: drawHistory });
async function drawHistory(seq) {
  const asked = ++historyAsked;
  const headers = { Accept: "application/json" };
  const [text, page] = await Promise.all([  // the text then, and the revisions around it (the timeline)
    fetch(`/api/drafts/${draft}/text?at=${seq}`, { headers }),
    fetch(`/api/drafts/${draft}/history?before=${seq + 6}&limit=11`, { headers }),
  ]);
  if (!text.ok || !page.ok || asked !== historyAsked || mode !== "history") return;
  timeslider.render(await text.json(), (await page.json()).revisions.reverse());
}

const sinceSelect = document.getElementById("redline-since");
sinceSelect.addEventListener("change", drawRedline);
const nameButton = document.getElementById("name-version");
nameButton.addEventListener("click", async () => {
  const name = prompt("Name the text as it stands (zero draft, rev.1, …):");
  if (!name) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const response = await fetch(`/api/drafts/${draft}/versions`, {
    method: "POST", body: JSON.stringify({ name }),
    headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
  });
  if (!response.ok) problem(await response.json());
  await listVersions(name);
});

// POST to the API with the page's CSRF token: the answer's JSON, or null (the refusal shown as a problem).
async function api(url, body) {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const response = await fetch(url, {
    method: "POST", body: JSON.stringify(body ?? {}),
    headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
  });
  const answer = await response.json();
  if (!response.ok) problem(answer);
  return response.ok ? answer : null;
}

// The penholder puts the text "in blue" (frozen for the vote) or reopens it; every page hears `status`.
async function post(path, body) {
  return (await api(`/api/drafts/${draft}/${path}`, body)) !== null;
}

// -- Silence: the penholder puts the text under silence until a deadline; a delegation may break it -------
let stage = null;
const silenceButton = document.getElementById("put-under-silence");
silenceButton.addEventListener("click", async () => {
  const when = prompt("Under silence until (date and time, your time zone: YYYY-MM-DD HH:MM):");
  if (!when) return;
  const deadline = new Date(when.trim().replace(" ", "T"));
  if (Number.isNaN(deadline.getTime())) {
    problem({ code: "bad_request", message: "The deadline is a date and a time: YYYY-MM-DD HH:MM." });
    return;
  }
  if (await post("silence", { deadline: deadline.toISOString() })) loadStage();
});
const breakButton = document.getElementById("break-silence");
breakButton.addEventListener("click", async () => {
  const paragraphs = prompt("Break silence on which paragraphs? (OP3, PP2 ...)");
  if (!paragraphs) return;
  const reason = prompt("Why? (shown to every delegation)");
  if (!reason) return;
  const named = paragraphs.split(/[\s,;]+/).filter(Boolean);
  if (await post("break-silence", { paragraphs: named, reason })) loadStage();
});
const adRefButton = document.getElementById("mark-ad-ref");
adRefButton.addEventListener("click", async () => {
  const named = prompt("Mark which paragraph agreed ad referendum (or, if it is, unmark it)? (OP3, PP2 ...)");
  if (!named) return;
  const current = stage?.paragraphs.find((p) => p.ref === named.trim());
  if (await post("ad-ref", { paragraph: named.trim(), ad_ref: current?.status !== "agreed ad ref" })) loadStage();
});
async function loadStage() {
  const response = await fetch(`/api/drafts/${draft}/stage`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  stage = await response.json();
  showStage();
}
function showStage() {
  show();
  const note = document.getElementById("stage-note");
  const silence = stage?.silence;
  let text = "";
  if (stage?.stage === "under silence") {
    text = `Under silence until ${new Date(silence.deadline).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}`;
  } else if (stage?.stage === "agreed") {
    text = "Silence passed unbroken: the text is agreed";
  } else if (stage?.status === "drafting" && silence?.state === "broken") {
    const { delegation, paragraphs, reason } = silence.objection;
    text = `${delegation} broke silence on ${paragraphs.map((p) => p.ref ?? "a deleted paragraph").join(", ")}: ${reason}`;
  }
  note.textContent = text;
  note.hidden = !text;
}
// The paragraphs objected to carry the objection until the next silence (after every redraw of the text).
function markObjections() {
  const silence = stage?.silence;
  const objected = stage?.status === "drafting" && silence?.state === "broken" ? silence.objection : null;
  const adRef = new Set((stage?.paragraphs ?? []).filter((p) => p.status === "agreed ad ref").map((p) => p.id));
  for (const element of article.querySelectorAll(".para")) {
    element.classList.toggle("ad-ref", adRef.has(element.dataset.uid));
    if (adRef.has(element.dataset.uid)) element.title = "Agreed ad referendum";
    const hit = objected?.paragraphs.some((p) => p.id === element.dataset.uid);
    element.classList.toggle("objected", Boolean(hit));
    if (hit) element.dataset.objection = `${objected.delegation}: ${objected.reason}`;
    else delete element.dataset.objection;
  }
}

// -- Co-sponsors: the penholder invites; each delegation consents, declines or withdraws for itself -------
async function loadSponsors() {
  const response = await fetch(`/api/drafts/${draft}/sponsors`, { headers: { Accept: "application/json" } });
  if (response.ok) showSponsors((await response.json()).sponsors);
}
function showSponsors(list) {
  const element = document.getElementById("sponsors");
  const mine = list.find((s) => s.member === you?.delegation);
  const words = { sponsor: "co-sponsor", invited: "invited", declined: "declined", withdrawn: "withdrew" };
  const parts = [];
  if (list.length) {
    parts.push(Object.assign(document.createElement("span"), {
      textContent: `Co-sponsors: ${list.map((s) => `${s.member} (${words[s.status]})`).join(", ")}`,
    }));
  }
  const action = (text, body) => {
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: text,
                                                                     className: "name-version" });
    button.addEventListener("click", async () => {
      const answer = await api(`/api/drafts/${draft}/sponsors`, typeof body === "function" ? body() : body);
      if (answer) showSponsors(answer.sponsors);
    });
    return button;
  };
  const open = status !== "voted";
  if (you?.can_review && open) parts.push(action("Invite a co-sponsor…", () => ({ invite: prompt("Which member?") ?? "" })));
  if (mine?.status === "invited") parts.push(action("Co-sponsor", { answer: "consent" }), action("Decline", { answer: "decline" }));
  if (mine?.status === "sponsor" && open) parts.push(action("Withdraw sponsorship", { answer: "withdraw" }));
  element.replaceChildren(...parts);
  element.hidden = parts.length === 0;
}

// -- The vote: opened, recorded and closed by the presidency; every page hears `vote` -------------------
let board = null;
const votes = new VoteBoard(document.querySelector("section.vote-board"), {
  async open({ number, date, period, method, matter, pressRelease }) {
    const meeting = await api("/api/meetings", { body: article.dataset.body, number, date, period, draft,
                                                agenda_item: article.dataset.agendaItem,
                                                ...(pressRelease ? { press_release: pressRelease } : {}) });
    const how = method === "without_vote" || method === "acclamation" ? { method } : { method, matter };
    if (meeting) showVote(await api(`/api/meetings/${meeting.id}/vote`, how) ?? board);
  },
  async cast(member, choice) {
    showVote(await api(`/api/votes/${board.id}/ballots`, { member, choice }) ?? board);
  },
  async close(resolution) {
    showVote(await api(`/api/votes/${board.id}/close`, resolution ? { resolution } : {}) ?? board);
  },
  async times(began, ended) {
    showVote(await api(`/api/meetings/${board.meeting.id}/times`, { began, ended }) ?? board);
  },
  async statement(said) {
    showVote(await api(`/api/meetings/${board.meeting.id}/statements`, said) ?? board);
  },
}, article.dataset.matters.split(" "));
let voteDrawnFor = null;
function showVote(next) {
  board = next;
  voteDrawnFor = `${status}/${you?.role}`;
  votes.render(board, you, status);
}
socket.on("vote", (message) => {
  if (message.draft === draft) showVote(message);
});
async function loadVote() {
  const response = await fetch(`/api/drafts/${draft}/vote`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const found = await response.json();
  showVote(found.vote === null ? null : found);
}
const blueButton = document.getElementById("put-in-blue");
blueButton.addEventListener("click", async () => {
  const name = prompt('Put the text in blue: no edit will be accepted until you reopen it. Name the version:', "in blue");
  if (name === null) return;
  if (await post("freeze", name.trim() ? { name: name.trim() } : {})) await listVersions();
});
const reopenButton = document.getElementById("reopen");
reopenButton.addEventListener("click", () => post("reopen"));

// The named versions, newest first, in the "against" list; the last named one is the default baseline.
async function listVersions(chosen) {
  const response = await fetch(`/api/drafts/${draft}/versions`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const { versions } = await response.json();
  const keep = chosen ?? sinceSelect.value;
  sinceSelect.replaceChildren(...versions.reverse().map((v) => {
    const option = document.createElement("option");
    option.value = v.name;
    // "rev.1 (30 Nov 2026, 14:05, Peru (penholder))": the list says when and by whom each was named
    const at = new Date(v.at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    option.textContent = `${v.name} (${[at, v.by].filter(Boolean).join(", ")})`;
    return option;
  }), Object.assign(document.createElement("option"), { value: "0", textContent: "the first text" }));
  if ([...sinceSelect.options].some((o) => o.value === keep)) sinceSelect.value = keep;
  if (mode === "markup" || mode === "original") drawRedline();
}
listVersions();

async function drawRedline() {
  clearTimeout(redlineTimer);
  redlineTimer = null;
  const from = sinceSelect.value ? `?from=${encodeURIComponent(sinceSelect.value)}` : "";
  const response = await fetch(`/api/drafts/${draft}/redline${from}`, { headers: { Accept: "application/json" } });
  if (!response.ok || (mode !== "markup" && mode !== "original")) return;
  const data = await response.json();
  redlineSince = data.from;
  redline.render(data, mode, Boolean(you?.can_review) && status === "drafting");
}

function redrawRedlineSoon() {
  if ((mode === "markup" || mode === "original") && redlineTimer === null) {
    redlineTimer = setTimeout(drawRedline, REDLINE_WAIT_MS);
  }
  if (mode === "history" && replica && timeslider.setLast(replica.seq)) {
    clearTimeout(historyTimer);  // standing on the newest change: follow the typing, at most this often
    historyTimer = setTimeout(() => drawHistory(timeslider.seq), REDLINE_WAIT_MS);
  }
}
let historyTimer = null;

// The browser knows when it has lost the network before the socket's heartbeat does.
addEventListener("offline", () => socket.disconnect());
addEventListener("online", () => socket.connect());

socket.on("connect", join);
socket.on("disconnect", () => {
  joined = false;
  show();
});
let early = []; // changes that overtook the first join's reply
socket.on("changes", (message) => {
  if (message.draft !== draft) return;
  if (replica === null) {
    early.push(...message.changes);
    return;
  }
  replica.receive(message.changes);
  pump();
  redrawRedlineSoon();
});
socket.on("presence", (message) => {
  if (message.draft === draft) view.presence(message.online, you);
});
socket.on("status", (message) => {
  if (message.draft !== draft) return;
  status = message.status;
  show();
  loadStage();
});
socket.on("error", (error) => {
  // A refused edit comes back in its reply, and the replica reports it; anything else is shown here.
  if (error.event !== "edit") problem(error);
});

async function join() {
  joined = false;
  const asked = replica ? replica.joinRequest() : { client };
  let reply;
  try {
    reply = await socket.timeout(REPLY_WAIT_MS).emitWithAck("join", { draft, ...asked });
  } catch {
    return; // no answer: the next connect joins again
  }
  if (!reply.ok) {
    problem(reply.error);
    return;
  }
  you = reply.you;
  status = reply.status;
  loadVote();
  loadStage();
  loadSponsors();
  if (replica === null) {
    replica = new Replica(client, reply);
    replica.receive(early); // what the text already holds is skipped
    early = [];
  } else {
    replica.onJoin(reply);
  }
  joined = true;
  view.presence(reply.presence, you);
  if (focused) socket.emit("presence", { draft, paragraph: focused });
  const again = replica.onReconnect();
  if (again) send(again);
  pump();
}

// Send the next change when nothing is in flight, and show where things stand.
function pump() {
  if (replica === null) return;
  if (joined && replica.inflight === null) {
    const wire = replica.outgoing();
    if (wire) send(wire);
  }
  watchGap();
  show();
}

async function send(wire) {
  let reply;
  try {
    reply = await socket.timeout(REPLY_WAIT_MS).emitWithAck("edit", { draft, ...wire });
  } catch {
    // No answer. Disconnected: the flight goes again after the next join. Still connected: send it again
    // now; a change sent twice is applied once.
    if (joined && replica.inflight?.request.cseq === wire.cseq) send(wire);
    return;
  }
  replica.onReply(reply, wire.cseq);
  if (!reply.ok && reply.error?.code === "unavailable") {
    setTimeout(() => joined && replica.inflight?.request.cseq === wire.cseq && send(replica.resend()), RETRY_MS);
    return;
  }
  pump();
}

function watchGap() {
  if (!replica.hasGap) {
    clearTimeout(gapTimer);
    gapTimer = null;
  } else if (gapTimer === null) {
    gapTimer = setTimeout(() => {
      gapTimer = null;
      if (replica.hasGap && socket.connected) join();
    }, GAP_WAIT_MS);
  }
}

function problem(error) {
  if (replica === null) view.problems([error]);
  else replica.problems.push(error);
  show();
}

function show() {
  const canEdit = Boolean(you?.can_edit) && status === "drafting";
  if (replica) view.render(replica.document(), canEdit);
  markObjections();
  nameButton.hidden = !you?.can_review;
  blueButton.hidden = !you?.can_review || !(status === "drafting" || stage?.stage === "agreed");
  silenceButton.hidden = !you?.can_review || status !== "drafting";
  adRefButton.hidden = !you?.can_review || status !== "drafting";
  breakButton.hidden = !you?.delegation || !["delegate", "penholder"].includes(you?.role)
    || stage?.stage !== "under silence";
  reopenButton.hidden = !you?.can_review || status !== "frozen";
  article.classList.toggle("in-blue", status === "frozen");
  if (`${status}/${you?.role}` !== voteDrawnFor) showVote(board);  // not at every keystroke: it has a form
  const badge = document.getElementById("draft-status");
  const shown = stage?.stage ?? badge.textContent;  // the stage in words, from /stage
  if (status && (badge.textContent !== shown || !badge.classList.contains(`status-${status}`))) {
    badge.textContent = shown;
    badge.className = `status status-${status}`;
  }
  const pending = replica ? replica.pending() : 0;
  let line;
  if (!socket.connected) {
    line = pending ? `Offline — ${pending} pending edit${pending === 1 ? "" : "s"}` : "Offline";
  } else if (!joined) line = "Connecting…";
  else line = pending ? "Syncing…" : "Connected";
  const why = { under_silence: "Under silence: no edit is accepted",
                frozen: "In blue: the text is frozen for the vote, no edit is accepted",
                voted: "Voted on: the text is final" }[status] ?? (status ? `${status}: read only` : "");
  view.status(status && status !== "drafting" ? `${line} · ${why}` : line);
  if (replica && replica.problems.length !== shownProblems) {
    shownProblems = replica.problems.length;
    view.problems(replica.problems);
  }
}
