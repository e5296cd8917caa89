// The history slider: the whole text as it stood after any change of the log, like Etherpad's timeslider.
// No socket and no fetch here: draft.js asks the server (GET /api/drafts/<id>/text?at= and /history) and
// hands over what it got; this module draws the slider, the change it stands on, and the text.

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

const KINDS = { create: "wrote", edit: "edited", insert: "added", delete: "deleted", move: "moved",
                level: "indented or outdented", reject: "rejected a change in", accept: "accepted a change in" };

export class HistoryView {
  // on.show(seq): the reader moved the slider to change `seq`.
  constructor(element, on) {
    this.element = element;
    this.on = on;
    this.slider = make("input");
    Object.assign(this.slider, { type: "range", min: "1", step: "1", id: "history-slider" });
    this.slider.setAttribute("aria-label", "Change of the history");
    this.slider.addEventListener("input", () => this.on.show(Number(this.slider.value)));
    const back = this.#step("◀", "One change back", -1);
    const forward = this.#step("▶", "One change forward", 1);
    this.caption = make("p", "history-caption");
    this.caption.setAttribute("role", "status");
    this.timeline = make("ol", "history-timeline");
    this.timeline.setAttribute("aria-label", "Changes around this one");
    this.body = make("div", "history-body");
    const bar = make("div", "history-bar");
    bar.append(back, this.slider, forward);
    const controls = make("div", "history-controls");  // stays in view while the text scrolls
    controls.append(bar, this.caption);
    element.replaceChildren(controls, this.timeline, this.body);
  }

  #step(text, label, by) {
    const button = make("button", "history-step", text);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", () => {
      const seq = Math.min(Math.max(Number(this.slider.value) + by, 1), Number(this.slider.max));
      this.slider.value = String(seq);
      this.on.show(seq);
    });
    return button;
  }

  // The log has `last` changes; the slider follows the newest while it stands on it.
  setLast(last) {
    const atEnd = this.slider.value === this.slider.max || this.slider.max === "";
    this.slider.max = String(last);
    if (atEnd) this.slider.value = String(last);
    return atEnd;
  }

  get seq() {
    return Number(this.slider.value);
  }

  // `text`: GET .../text?at=seq; `around`: the revisions of GET .../history around it, oldest first (who,
  // when, what, where), drawn as the timeline, the one at `text.seq` marked.
  render(text, around) {
    this.slider.value = String(text.seq);
    const refs = new Map(text.paragraphs.map((p) => [p.id, p.ref]));
    const revision = around.find((r) => r.seq === text.seq) ?? null;
    this.caption.textContent = `Change ${text.seq} of ${this.slider.max}` + (revision ? ` · ${describe(revision, refs)}` : "");
    if (revision?.colour) this.caption.style.setProperty("--colour", revision.colour);
    this.timeline.replaceChildren(...around.map((entry) => {
      const item = make("li");
      const button = make("button", "history-entry", `${entry.seq}`);
      button.type = "button";
      button.append(make("span", null, describe(entry, refs)));
      button.style.setProperty("--colour", entry.colour ?? "#555");
      if (entry.seq === text.seq) button.setAttribute("aria-current", "step");
      button.addEventListener("click", () => {
        this.slider.value = String(entry.seq);
        this.on.show(entry.seq);
      });
      item.append(button);
      return item;
    }));
    const paragraphs = text.paragraphs.map((paragraph) => {
      const element = make("p", `para ${paragraph.kind} level-${paragraph.level}`, paragraph.text);
      element.dataset.ref = paragraph.ref ?? "";
      if (paragraph.id === revision?.paragraph) {
        element.classList.add("history-changed");
        element.style.setProperty("--colour", revision.colour ?? "#555");
      }
      return element;
    });
    this.body.replaceChildren(...paragraphs);
    this.body.querySelector(".history-changed")?.scrollIntoView({ block: "nearest" });
  }
}

// "Germany (delegate) edited OP2 · 30 Nov 2026, 02:20:05"
function describe(revision, refs) {
  const who = revision.user && revision.delegation && !revision.user.includes(revision.delegation)
    ? `${revision.user} (${revision.delegation})` : revision.user ?? revision.delegation ?? "The system";
  const when = new Date(revision.at).toLocaleString([], { dateStyle: "medium", timeStyle: "medium" });
  return `${who} ${KINDS[revision.kind] ?? revision.kind} ${refs.get(revision.paragraph) ?? "a paragraph"} · ${when}`;
}
