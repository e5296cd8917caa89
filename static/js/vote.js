// The vote board on the draft page: the presidency opens the vote on the text in blue and records it; on
// the electronic board each delegation casts its own; every page sees the tally and, once closed, the
// announcement. No socket and no fetch here: draft.js hands over each board (GET /api/drafts/<id>/vote and
// the `vote` event) and hears the clicks through `on.open(form)`, `on.cast(member, choice)`,
// `on.close(resolution)`, `on.times(began, ended)` and `on.statement(form)`. The server decides who may do what; this only leaves out buttons one cannot use.

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function button(text, onClick, className = "vote-button") {
  const element = make("button", className, text);
  element.type = "button";
  element.addEventListener("click", onClick);
  return element;
}

const CHOICES = [["in_favour", "In favour"], ["against", "Against"], ["abstaining", "Abstention"],
                 ["not_participating", "Not participating"]];
const LABEL = Object.fromEntries(CHOICES);

export class VoteBoard {
  // `matters`: what the body votes on ("substantive procedural", "other important"), the first the default.
  constructor(element, on, matters = []) {
    this.element = element;
    this.on = on;
    this.matters = matters;
  }

  // `board`: the vote (or null before one is opened); `you`: the join reply's `you`; `status`: the draft's.
  render(board, you, status) {
    const presiding = you?.role === "presidency";
    if (!board) {
      this.element.hidden = !(presiding && status === "frozen");
      if (!this.element.hidden) this.element.replaceChildren(make("h2", null, "The vote"), this.#opening());
      return;
    }
    this.element.hidden = false;
    const closed = Boolean(board.closed_at);
    const head = make("h2", null, closed ? "The vote" : "Voting is open");
    const where = make("p", "vote-meta",
      `${ordinal(board.meeting.number)} meeting (${board.meeting.period}), ${board.meeting.date} · ` +
      `${board.matter} matter · ${board.method.replaceAll("_", " ")}`);
    const parts = [head, where];
    if (board.sponsors?.length) parts.push(make("p", "vote-meta", `Sponsors: ${board.sponsors.join(", ")}`));
    if (board.counts) parts.push(this.#counts(board.counts));
    if (board.announcement) {
      const said = make("p", `vote-announcement vote-${board.outcome}`, board.announcement);
      said.setAttribute("role", "status");
      parts.push(said);
    }
    if (board.counts) parts.push(this.#members(board, you, presiding && !closed));
    if (presiding && !closed) parts.push(this.#closing());
    parts.push(this.#record(board, presiding));
    this.element.replaceChildren(...parts);
  }

  // The meeting's record: when it began and ended, and the statements before and after the vote.
  #record(board, presiding) {
    const record = make("div", "vote-record");
    const { began, ended } = board.meeting;
    record.append(make("h3", null, "The meeting"),
                  make("p", "vote-times", began || ended
                    ? `Began at ${began ?? "…"}, ended at ${ended ?? "…"}.` : "Times not recorded yet."));
    const list = make("ol", "vote-statements");
    for (const s of board.statements) {
      const item = make("li");
      item.append(make("strong", null, `${s.member}'s ${s.speaker}, ${s.when} the vote: `), s.text);
      list.append(item);
    }
    if (board.statements.length) record.append(list);
    if (!presiding) return record;
    const times = make("form", "vote-open");
    const clock = (label, value) => {
      const input = Object.assign(make("input"), { type: "time", value: value ?? "" });
      const wrap = make("label", null, `${label} `);
      wrap.append(input);
      return [wrap, input];
    };
    const [beganLabel, beganInput] = clock("Began", began);
    const [endedLabel, endedInput] = clock("Ended", ended);
    times.append(beganLabel, endedLabel, button("Record the times", () => times.requestSubmit()));
    times.addEventListener("submit", (event) => {
      event.preventDefault();
      this.on.times(beganInput.value || null, endedInput.value || null);
    });
    const statement = make("form", "vote-statement");
    const member = make("select");
    for (const { member: name } of board.members) member.append(new Option(name, name));
    const when = make("select");
    when.append(new Option("after the vote", "after"), new Option("before the vote", "before"));
    const speaker = Object.assign(make("input"), { value: "representative" });
    const text = make("textarea");
    text.rows = 2;
    const labelled = (label, input) => {
      const wrap = make("label", null, `${label} `);
      wrap.append(input);
      return wrap;
    };
    statement.append(labelled("Statement by", member), labelled("Speaker", speaker), when,
                     labelled("Said", text), button("Record the statement", () => statement.requestSubmit()));
    statement.addEventListener("submit", (event) => {
      event.preventDefault();
      this.on.statement({ member: member.value, speaker: speaker.value, when: when.value, text: text.value });
    });
    record.append(times, statement);
    return record;
  }

  #opening() {
    // A meeting of the body and its vote, in one form: number, date, AM/PM, matter, how it is recorded.
    const form = make("form", "vote-open");
    const field = (label, input) => {
      const wrap = make("label", null, `${label} `);
      wrap.append(input);
      return wrap;
    };
    const number = Object.assign(make("input"), { name: "number", type: "number", min: "1", required: true });
    const date = Object.assign(make("input"), { name: "date", type: "date", required: true,
                                                value: new Date().toISOString().slice(0, 10) });
    const period = make("select");
    period.name = "period";
    period.append(new Option("AM", "AM"), new Option("PM", "PM"));
    const method = make("select");
    method.name = "method";
    for (const [value, text] of [["show_of_hands", "the presidency records each vote"],
                                 ["electronic", "each delegation votes on its screen"],
                                 ["without_vote", "adopt without a vote"],
                                 ["acclamation", "adopt by acclamation"]]) method.append(new Option(text, value));
    const matter = make("select");
    const names = { substantive: "substantive", procedural: "procedural", other: "not an important question",
                    important: "an important question (two thirds)" };
    for (const value of this.matters) matter.append(new Option(names[value] ?? value, value));
    const release = Object.assign(make("input"), { name: "press_release", placeholder: "SC/13893", size: 10 });
    form.append(field("Meeting number", number), field("Date", date), field("", period), field("Matter", matter),
                field("Vote:", method), field("Press release", release),
                button("Open the vote", () => form.requestSubmit(), "vote-button primary"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.on.open({ number: Number(number.value), date: date.value, period: period.value, method: method.value,
                     matter: matter.value, pressRelease: release.value.trim() || null });
    });
    return form;
  }

  #counts(counts) {
    const list = make("ul", "vote-counts");
    for (const [key, text] of [["in_favour", "In favour"], ["against", "Against"], ["abstaining", "Abstentions"],
                               ["not_participating", "Not participating"], ["absent", "Absent"]]) {
      const item = make("li", `vote-count count-${key}`);
      item.append(make("strong", null, String(counts[key])), ` ${text}`);
      list.append(item);
    }
    return list;
  }

  #members(board, you, presiding) {
    const table = make("table", "vote-members");
    for (const { member, permanent, vote } of board.members) {
      const row = make("tr");
      const name = make("th", null, member);
      name.scope = "row";
      if (permanent) name.append(make("span", "permanent", " (permanent)"));
      const cell = make("td", vote ? `voted ${vote}` : "not-voted", vote ? LABEL[vote] : "—");
      row.append(name, cell);
      const mayCast = !board.closed_at && (presiding && board.method === "show_of_hands"
        || board.method === "electronic" && you?.delegation === member);
      if (mayCast) {
        const actions = make("td", "vote-actions");
        for (const [choice, text] of CHOICES) {
          const choose = button(text, () => this.on.cast(member, choice));
          choose.setAttribute("aria-label", `${member}: ${text}`);
          choose.setAttribute("aria-pressed", String(vote === choice));
          actions.append(choose);
        }
        row.append(actions);
      }
      table.append(row);
    }
    return table;
  }

  #closing() {
    const form = make("form", "vote-close");
    const number = Object.assign(make("input"), { name: "resolution", placeholder: "the next number" });
    number.setAttribute("aria-label", "Resolution number");
    const label = make("label", null, "Resolution number ");
    label.append(number);
    form.append(label, button("Close the vote", () => form.requestSubmit(), "vote-button primary"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.on.close(number.value.trim() || null);
    });
    return form;
  }
}

function ordinal(n) {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th";
  return `${n}${suffix}`;
}
