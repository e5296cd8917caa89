// The redline (Markup) and the baseline text (Original) of a draft, drawn from GET /api/drafts/<id>/redline.
// No socket here: draft.js fetches, and hears of the penholder's clicks through `on.review(op, paragraph,
// change)` and `on.reviewAll(op, changes)` (op: "accept" or "reject").

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function when(at) {
  return at ? new Date(at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
}

// "Inserted by Germany, 30 Nov 2026, 01:40": what hover and focus say of a change.
// `kind`: a run's ("inserted", "deleted") or, with `paragraph`, a paragraph's own ("added", "deleted", "moved").
function said(kind, segment, paragraph = false) {
  const verb = paragraph ? `Paragraph ${kind}` : { inserted: "Inserted", deleted: "Deleted" }[kind] ?? kind;
  const by = segment.delegation ? ` by ${segment.delegation}` : "";
  const at = segment.at ? `, ${when(segment.at)}` : "";
  return `${verb}${by}${at}`;
}

export class RedlineView {
  constructor(element, on) {
    this.element = element;
    this.on = on;
  }

  // mode "markup": kept text, insertions underlined and deletions struck through in the colour of the
  // delegation that made them, with a Reject button each when `canReview`; mode "original": the baseline.
  render(data, mode, canReview) {
    const body = make("div", "redline-body");
    const head = make("p", "redline-head",
      mode === "markup" ? `Changes since change ${data.from} of the log` : `The text at change ${data.from}`);
    body.append(head);
    if (mode === "markup" && canReview) body.append(this.#bulk(data));
    for (const paragraph of data.paragraphs) {
      if (mode === "original" && paragraph.status === "added") continue;
      const element = make("p", `para ${paragraph.kind} level-${paragraph.level}`);
      element.dataset.ref = paragraph.ref ?? "";
      if (mode === "markup" && paragraph.status !== "kept") {
        element.classList.add(`para-${paragraph.status}`);
        element.style.setProperty("--colour", paragraph.colour ?? "#555");
        const note = make("span", "para-status", said(paragraph.status, paragraph, true));
        if (canReview && paragraph.change) {
          // The paragraph's own change: accepting keeps it; rejecting deletes an added paragraph, brings a
          // deleted one back where it stood, or moves a moved one back.
          note.append(...this.#buttons(paragraph.id, paragraph.change, note.textContent));
        }
        element.append(note);
      }
      const text = make("span", "text");
      for (const segment of paragraph.segments) text.append(...this.#segment(paragraph, segment, mode, canReview));
      element.append(text);
      body.append(element);
    }
    this.element.replaceChildren(body);
  }

  // "Accept all" and "Reject all", of everyone's changes or of one delegation's: the text changes of kept
  // and moved paragraphs.
  #bulk(data) {
    // A paragraph's own change first (an added or deleted paragraph's text goes with it), then its text's.
    const changes = data.paragraphs.flatMap((p) => [
      ...(p.change ? [{ paragraph: p.id, change: p.change, delegation: p.delegation }] : []),
      ...(p.status === "kept" || p.status === "moved"
        ? p.segments.filter((s) => s.kind !== "kept" && s.id)
          .map((s) => ({ paragraph: p.id, change: s.id, delegation: s.delegation }))
        : []),
    ]);
    const bar = make("p", "redline-bulk");
    if (!changes.length) return bar;
    const label = make("label", null, "Changes by ");
    const whose = make("select");
    whose.append(new Option("every delegation", ""));
    for (const delegation of [...new Set(changes.map((c) => c.delegation).filter(Boolean))].sort()) {
      whose.append(new Option(delegation, delegation));
    }
    label.append(whose);
    const picked = () => changes.filter((c) => !whose.value || c.delegation === whose.value);
    const button = (op, text) => {
      const element = make("button", `${op}-all`, text);
      element.type = "button";
      element.addEventListener("click", () => this.on.reviewAll(op, picked()));
      return element;
    };
    bar.append(label, button("accept", "Accept all"), button("reject", "Reject all"));
    return bar;
  }

  #segment(paragraph, segment, mode, canReview) {
    if (segment.kind === "kept" || (mode === "original" && segment.kind === "deleted")) {
      return [document.createTextNode(segment.text)];
    }
    if (mode === "original") return [];
    const mark = make(segment.kind === "inserted" ? "ins" : "del", "change", segment.text);
    mark.style.setProperty("--colour", segment.colour ?? "#555");
    mark.title = said(segment.kind, segment);
    mark.tabIndex = 0; // focus says who and when, as hover does
    mark.setAttribute("aria-label", `${mark.title}: ${segment.text}`);
    if (!canReview || !segment.id || paragraph.status !== "kept" && paragraph.status !== "moved") return [mark];
    return [mark, ...this.#buttons(paragraph.id, segment.id, mark.title)];
  }

  #buttons(paragraph, change, what) {
    return ["accept", "reject"].map((op) => {
      const verb = op === "accept" ? "Accept" : "Reject";
      const button = make("button", op, verb);
      button.type = "button";
      button.title = `${verb}: ${what}`;
      button.dataset.change = change;
      button.addEventListener("click", () => this.on.review(op, paragraph, change));
      return button;
    });
  }
}
