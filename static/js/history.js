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
    this.body = make("div", "history-body");
    const bar = make("div", "history-bar");
    bar.append(back, this.slider, forward);
    element.replaceChildren(bar, this.caption, this.body);
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

  // `text`: GET .../text?at=seq; `revision`: that change's entry of GET .../history (who, when, where).
  render(text, revision) {
    this.slider.value = String(text.seq);
    const ref = text.paragraphs.find((p) => p.id === revision?.paragraph)?.ref;
    const who = !revision ? "" : revision.user && revision.delegation && !revision.user.includes(revision.delegation)
      ? `${revision.user} (${revision.delegation})` : revision.user ?? revision.delegation ?? "The system";
    const when = revision ? new Date(revision.at).toLocaleString([], { dateStyle: "medium", timeStyle: "medium" }) : "";
    const what = revision ? `${KINDS[revision.kind] ?? revision.kind} ${ref ?? "a paragraph"}` : "";
    this.caption.textContent = `Change ${text.seq} of ${this.slider.max}` + (revision ? ` · ${who} ${what} · ${when}` : "");
    if (revision?.colour) this.caption.style.setProperty("--colour", revision.colour);
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
