// The draft page while co-drafting: paragraphs editable in place, numbered from their order as
// editor/domain/document.py numbers them, a toolbar per paragraph, who is where, the connection's state and
// the problems to see. DOM only: it hears the delegate and tells its owner (draft.js), which owns the
// Replica and the socket. User text only ever goes in through textContent.

const MAX_LEVEL = 2;
const ROMAN = [[1000, "m"], [900, "cm"], [500, "d"], [400, "cd"], [100, "c"], [90, "xc"], [50, "l"],
               [40, "xl"], [10, "x"], [9, "ix"], [5, "v"], [4, "iv"], [1, "i"]];

// Lower-case roman numeral of 1..3999.
function roman(n) {
  let out = "";
  for (const [value, numeral] of ROMAN) {
    out += numeral.repeat(Math.floor(n / value));
    n %= value;
  }
  return out;
}

// UN sub-paragraph letters: 1 -> "a", 26 -> "z", 27 -> "aa", 28 -> "bb".
function letters(n) {
  return String.fromCharCode(97 + (n - 1) % 26).repeat(Math.floor((n - 1) / 26) + 1);
}

// Label ("1.", "(a)", "(i)" or "") and reference ("OP1", "PP2", "OP3(a)") of each paragraph, from its
// position: number_paragraphs of editor/domain/document.py.
export function numberParagraphs(paragraphs) {
  const top = { preambular: 0, operative: 0 };
  const counters = new Array(MAX_LEVEL + 1).fill(0);
  const refs = new Array(MAX_LEVEL + 1).fill("");
  return paragraphs.map(({ kind, level }) => {
    counters.fill(0, level + 1);
    let label, ref;
    if (level === 0) {
      top[kind] += 1;
      const operative = kind === "operative";
      label = operative ? `${top[kind]}.` : "";
      ref = `${operative ? "OP" : "PP"}${top[kind]}`;
    } else {
      counters[level] += 1;
      label = level === 1 ? `(${letters(counters[level])})` : `(${roman(counters[level])})`;
      ref = refs[level - 1] + label;
    }
    refs[level] = ref;
    return { label, ref };
  });
}

// Where a caret at `offset` in `old` belongs once the text reads `text`: before the changed stretch it
// stays, after it it moves with the text, inside it it goes to the end of what replaced it.
export function mapOffset(old, text, offset) {
  let prefix = 0;
  while (prefix < old.length && prefix < text.length && old[prefix] === text[prefix]) prefix++;
  let suffix = 0;
  while (suffix < old.length - prefix && suffix < text.length - prefix
         && old[old.length - 1 - suffix] === text[text.length - 1 - suffix]) suffix++;
  if (offset <= prefix) return offset;
  if (offset >= old.length - suffix) return offset + text.length - old.length;
  return text.length - suffix;
}

// The end (exclusive) of the paragraph at `index` together with its sub-paragraphs.
function blockEnd(paragraphs, index) {
  let end = index + 1;
  while (end < paragraphs.length && paragraphs[end].level > paragraphs[index].level) end++;
  return end;
}

// A new paragraph id, as editor/domain/document.py new_uid makes them (url-safe, 11 characters).
function newUid() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// Paragraph text has no line breaks or control characters (the server refuses them); a tab is kept.
function cleanText(text) {
  return text.replace(/[\r\n]+/g, " ").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
}

// The selection inside `element` as offsets (UTF-16 units) of its text, { anchor, focus } (equal for a
// caret), or null when the selection is elsewhere.
function selectionIn(element) {
  const selection = getSelection();
  if (!element || !selection.rangeCount || !element.contains(selection.focusNode)) return null;
  const offset = (node, at) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    range.setEnd(node, at);
    return range.toString().length;
  };
  const focus = offset(selection.focusNode, selection.focusOffset);
  const anchor = element.contains(selection.anchorNode) ? offset(selection.anchorNode, selection.anchorOffset) : focus;
  return { anchor, focus };
}

// The text node and offset in it of the `offset`-th unit of `element`'s text.
function pointAt(element, offset) {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (offset <= node.length) return [node, offset];
    offset -= node.length;
  }
  return [element, element.childNodes.length];
}

// Replace `element`'s text and carry the selection (or caret) across: each end moves with the text around
// it (mapOffset), so a delegate who had selected a word keeps it selected while others type elsewhere.
function setTextKeepingSelection(element, text) {
  const old = element.textContent;
  const selected = selectionIn(element);
  element.textContent = text;
  if (selected !== null) {
    select(element, { anchor: mapOffset(old, text, selected.anchor), focus: mapOffset(old, text, selected.focus) });
  }
}

function select(element, { anchor, focus }) {
  getSelection().setBaseAndExtent(...pointAt(element, anchor), ...pointAt(element, focus));
}

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

const TOOLS = [
  ["add-preambular", "+ Preambular", "Add a preambular paragraph after this one"],
  ["add-operative", "+ Operative", "Add an operative paragraph after this one"],
  ["up", "↑", "Move this paragraph up"],
  ["down", "↓", "Move this paragraph down"],
  ["outdent", "←", "Outdent this paragraph"],
  ["indent", "→", "Indent this paragraph"],
  ["delete", "Delete", "Delete this paragraph and its sub-paragraphs"],
];

export class DraftView {
  // `article` holds the server-rendered paragraphs; `on` has text(uid, text), focus(uid | null) and
  // structure(op, uid, args) for what the delegate does.
  constructor(article, on) {
    this.article = article;
    this.on = on;
    this.canEdit = false;
    this.paragraphs = []; // [{uid, kind, level, text}] as last rendered
    this.elements = new Map(); // uid -> p.para
    this.focusOnArrival = null; // the paragraph this delegate added: focused when the log brings it
    this.composing = false;
    this.statusLine = document.getElementById("live-status");
    this.onlineList = document.getElementById("live-online");
    this.problemList = document.getElementById("live-problems");
    for (const element of article.querySelectorAll("p.para[data-uid]")) {
      this.elements.set(element.dataset.uid, this.#adopt(element));
    }
    article.classList.add("live");
    this.statusLine.closest(".live-bar").hidden = false; // the page reads without JavaScript; this is its live part
  }

  // -- the text ----------------------------------------------------------------------------------

  // Show `paragraphs` ([uid, kind, level, text] in order), touching only what changed, caret kept.
  render(paragraphs, canEdit) {
    this.canEdit = canEdit;
    this.paragraphs = paragraphs.map(([uid, kind, level, text]) => ({ uid, kind, level, text }));
    const focused = document.activeElement?.closest?.("p.para")?.dataset.uid;
    const selected = focused ? selectionIn(this.elements.get(focused)?.querySelector(".text")) : null;
    const numbers = numberParagraphs(this.paragraphs);
    let previous = this.article.querySelector(".organ");
    const seen = new Set();
    this.paragraphs.forEach((paragraph, index) => {
      const element = this.elements.get(paragraph.uid) ?? this.#create(paragraph.uid);
      this.elements.set(paragraph.uid, element);
      this.#update(element, paragraph, numbers[index], index);
      if (previous.nextElementSibling !== element) previous.after(element);
      previous = element;
      seen.add(paragraph.uid);
    });
    for (const [uid, element] of this.elements) {
      if (!seen.has(uid)) {
        element.remove();
        this.elements.delete(uid);
      }
    }
    const text = focused && this.elements.get(focused)?.querySelector(".text");
    if (text && !text.contains(document.activeElement)) {
      text.focus(); // moving a paragraph in the DOM took the focus away from it
      if (selected !== null) select(text, selected);
    }
    if (this.focusOnArrival && this.elements.has(this.focusOnArrival)) {
      this.elements.get(this.focusOnArrival).querySelector(".text").focus();
      this.focusOnArrival = null;
    }
  }

  #adopt(element) {
    const text = element.querySelector(".text");
    // While an input method composes a character, the text is the IME's: nothing rewrites it.
    text.addEventListener("compositionstart", () => { this.composing = true; });
    text.addEventListener("compositionend", () => {
      this.composing = false;
      this.#typed(element, text);
    });
    text.addEventListener("input", (event) => !event.isComposing && this.#typed(element, text));
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.isComposing) {
        event.preventDefault(); // Enter asks for a new paragraph after this one, never a line break
        this.#tool(element.dataset.uid, `add-${element.dataset.kind}`);
      }
    });
    text.addEventListener("focus", () => this.on.focus(element.dataset.uid));
    text.addEventListener("blur", (event) => {
      if (!event.relatedTarget?.closest?.("p.para")) this.on.focus(null);
    });
    const tools = make("span", "para-tools");
    tools.setAttribute("role", "toolbar");
    for (const [name, label, title] of TOOLS) {
      const button = make("button", `tool tool-${name}`, label);
      button.type = "button";
      button.title = title;
      button.setAttribute("aria-label", title);
      button.dataset.tool = name;
      button.addEventListener("click", () => this.#tool(element.dataset.uid, name));
      tools.append(button);
    }
    element.append(tools, make("span", "presence-markers"));
    return element;
  }

  #create(uid) {
    const element = make("p", "para");
    element.dataset.uid = uid;
    element.id = `p-${uid}`;
    element.append(make("span", "text"));
    return this.#adopt(element);
  }

  #update(element, paragraph, { label, ref }, index) {
    const { kind, level, text } = paragraph;
    // A paragraph with square brackets left is not agreed yet (the brackets are characters of its text).
    const bracketed = /[[\]]/.test(text);
    element.className = `para ${kind} level-${level}${bracketed ? " bracketed" : ""}`;
    Object.assign(element.dataset, { kind, level, ref });
    element.title = bracketed ? "Bracketed: not agreed yet" : "";
    let number = element.querySelector(".num");
    if (label && !number) {
      number = make("span", "num");
      element.prepend(number);
    }
    if (number && !label) number.remove();
    else if (number && number.textContent !== label) number.textContent = label;
    const span = element.querySelector(".text");
    span.contentEditable = this.canEdit ? "plaintext-only" : "false";
    span.setAttribute("aria-label", `Paragraph ${ref}`);
    if (span.textContent !== text && !this.composing) setTextKeepingSelection(span, text);
    const tools = element.querySelector(".para-tools");
    tools.hidden = !this.canEdit;
    tools.setAttribute("aria-label", `Paragraph ${ref}`);
    for (const button of tools.querySelectorAll("button")) {
      button.disabled = this.#intent(index, button.dataset.tool) === null;
    }
  }

  #typed(element, span) {
    const typed = span.textContent;
    const text = cleanText(typed);
    if (text !== typed) setTextKeepingSelection(span, text);
    this.on.text(element.dataset.uid, text);
  }

  // -- structure ---------------------------------------------------------------------------------

  #tool(uid, name) {
    const index = this.paragraphs.findIndex((p) => p.uid === uid);
    const intent = index < 0 ? null : this.#intent(index, name);
    if (intent === null) return;
    const [op, target, args] = intent;
    if (op === "insert") this.focusOnArrival = target;
    this.on.structure(op, target, args);
  }

  // The structural change a tool asks for ([op, paragraph, args]), or null when it cannot apply here.
  #intent(index, name) {
    const paragraphs = this.paragraphs;
    const { uid, kind, level } = paragraphs[index];
    if (name === "add-preambular" || name === "add-operative") {
      const wanted = name.slice(4);
      const preambulars = paragraphs.filter((p) => p.kind === "preambular").length;
      const [position, newLevel] = wanted === kind ? [blockEnd(paragraphs, index), level] : [preambulars, 0];
      return ["insert", newUid(), { kind: wanted, level: newLevel, position, text: "" }];
    }
    if (name === "delete") return paragraphs.length > 1 ? ["delete", uid, {}] : null;
    if (name === "indent") {
      const before = paragraphs[index - 1];
      const fits = level < MAX_LEVEL && before && before.level >= level && before.kind === kind;
      return fits ? ["level", uid, { level: level + 1 }] : null;
    }
    if (name === "outdent") return level > 0 ? ["level", uid, { level: level - 1 }] : null;
    if (name === "up") {
      for (let at = index - 1; at >= 0 && paragraphs[at].level >= level; at--) {
        if (paragraphs[at].level === level) return paragraphs[at].kind === kind ? ["move", uid, { position: at }] : null;
      }
      return null;
    }
    // down: past the next paragraph of the same level, with its sub-paragraphs
    const next = blockEnd(paragraphs, index);
    if (next >= paragraphs.length || paragraphs[next].level < level || paragraphs[next].kind !== kind) return null;
    return ["move", uid, { position: blockEnd(paragraphs, next) - (next - index) }];
  }

  // -- around the text ---------------------------------------------------------------------------

  status(text) {
    if (this.statusLine.textContent !== text) this.statusLine.textContent = text;
  }

  // Who is online (the list) and where (a marker in their colour beside the paragraph they are in).
  presence(online, you) {
    this.onlineList.replaceChildren(...online.map((entry) => {
      const item = make("li", "online");
      const swatch = make("span", "swatch");
      swatch.style.setProperty("--colour", entry.colour ?? "#888");
      const self = you && entry.user === you.user;
      item.append(swatch, make("span", "", `${entry.delegation ?? entry.user}${self ? " (you)" : ""}`));
      item.title = entry.user;
      return item;
    }));
    for (const element of this.elements.values()) element.querySelector(".presence-markers").replaceChildren();
    for (const entry of online) {
      const element = entry.paragraph && this.elements.get(entry.paragraph);
      if (!element || (you && entry.user === you.user)) continue;
      const marker = make("span", "presence-marker", entry.delegation ?? entry.user);
      marker.style.setProperty("--colour", entry.colour ?? "#888");
      marker.dataset.delegation = entry.delegation ?? "";
      marker.title = `${entry.user} is in this paragraph`;
      element.querySelector(".presence-markers").append(marker);
    }
  }

  // Conflicts and refusals, newest first, in the live region.
  problems(problems) {
    this.problemList.replaceChildren(...problems.slice(-5).reverse().map((problem) => {
      const ref = this.elements.get(problem.paragraph)?.dataset.ref;
      const item = make("li", "problem", `${ref ? `${ref}: ` : ""}${problem.message ?? problem.code}`);
      if (problem.hunk || problem.lost) item.title = problem.hunk ?? problem.lost;
      return item;
    }));
  }
}
