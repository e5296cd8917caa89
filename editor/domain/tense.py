"""Operative paragraphs, reported: "Requests the Secretary-General to submit ..." becomes "requested that the
Secretary-General submit ..." (DESIGN.md §3). The phrases in use are a maintained table; a verb outside it
is inflected by lemminflect (a maintained English inflection library; its tables ship with it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lemminflect import getInflection, getLemma

# present (as the paragraph opens, lower case) -> (simple past, past participle)
PHRASES: dict[str, tuple[str, str]] = {
    "expresses its intention": ("expressed its intention", "expressed its intention"),
    "expresses its determination": ("expressed its determination", "expressed its determination"),
    "expresses concern": ("expressed concern", "expressed concern"),
    "expresses": ("expressed", "expressed"),
    "takes note": ("took note", "taken note"),
    "calls upon": ("called upon", "called upon"),
    "calls on": ("called on", "called on"),
    "decides": ("decided", "decided"),
    "requests": ("requested", "requested"),
    "encourages": ("encouraged", "encouraged"),
    "urges": ("urged", "urged"),
    "reaffirms": ("reaffirmed", "reaffirmed"),
    "welcomes": ("welcomed", "welcomed"),
    "condemns": ("condemned", "condemned"),
    "demands": ("demanded", "demanded"),
    "emphasizes": ("emphasized", "emphasized"),
    "emphasises": ("emphasized", "emphasized"),
    "stresses": ("stressed", "stressed"),
    "notes": ("noted", "noted"),
    "invites": ("invited", "invited"),
    "authorizes": ("authorized", "authorized"),
    "extends": ("extended", "extended"),
    "underlines": ("underlined", "underlined"),
    "recognizes": ("recognized", "recognized"),
    "affirms": ("affirmed", "affirmed"),
    "reiterates": ("reiterated", "reiterated"),
    "commends": ("commended", "commended"),
    "deplores": ("deplored", "deplored"),
    "endorses": ("endorsed", "endorsed"),
    "appeals": ("appealed", "appealed"),
    "acknowledges": ("acknowledged", "acknowledged"),
    "approves": ("approved", "approved"),
    "supports": ("supported", "supported"),
    "undertakes": ("undertook", "undertaken"),
}
# Words that may open a paragraph before its verb ("Further requests", "Also decides", "Strongly condemns").
ADVERBS = ("once again", "further", "also", "again", "still", "strongly", "firmly", "fully", "deeply",
           "warmly", "unequivocally", "resolutely", "unreservedly", "urgently", "hereby")
# "Requests X to do" -> "requested that X do"
_REQUEST = re.compile(r"^(?P<who>.+?) to (?P<verb>[a-z][\w-]*)(?P<rest>.*)$", re.S)
# The closing paragraph every resolution has and no release reports.
_SEIZED = re.compile(r"^decides to remain (actively )?seized of the matter", re.I)


@dataclass(frozen=True)
class Reported:
    """An operative paragraph as a release reports it: adverbs, the verb in the tense asked for, the rest."""

    adverbs: str  # "further", "also", "" (lower case)
    verb: str  # "expressed concern", "requested that"
    rest: str  # "that terrorists can benefit ...", without the paragraph's closing punctuation

    def phrase(self) -> str:
        return " ".join(part for part in (self.adverbs, self.verb, self.rest) if part)


def is_seized_clause(text: str) -> bool:
    return bool(_SEIZED.match(text.strip()))


def clean(text: str) -> str:
    """The paragraph without its closing ";", "," or "." (and "and" left over from a list)."""
    text = text.strip()
    text = re.sub(r"[;,.:]\s*(and|or)?$", "", text).rstrip()
    return text


def report(text: str, participle: bool = False) -> Reported:
    """The paragraph turned into the past ("expressed concern that ..."), or with `participle` into what the
    draft "would have" done ("expressed concern that ...", "taken note of ...")."""
    words = clean(text)
    lowered = words.lower()
    adverbs: list[str] = []
    while True:  # leading adverbs stay, in lower case
        found = next((a for a in ADVERBS if lowered.startswith(a + " ")), None)
        if found is None and re.match(r"^[a-z]+ly ", lowered) and not re.match(r"^(apply|supply|rely|reply)", lowered):
            found = lowered.split(" ", 1)[0]
        if found is None:
            break
        adverbs.append(found)
        words, lowered = words[len(found) + 1:], lowered[len(found) + 1:]
    phrase = next((p for p in sorted(PHRASES, key=len, reverse=True)
                   if lowered == p or lowered.startswith(p + " ") or lowered.startswith(p + ",")), None)
    if phrase is not None:
        verb = PHRASES[phrase][1 if participle else 0]
        rest = words[len(phrase):].strip()
    else:
        first, _, rest = words.partition(" ")
        verb = inflect(first, "VBN" if participle else "VBD")
    lemma = phrase or first.lower()
    if lemma in ("requests", "request") and not rest.lower().startswith("that "):
        match = _REQUEST.match(rest)
        if match:
            return Reported(" ".join(adverbs), f"{verb} that", f"{match['who']} {match['verb']}{match['rest']}")
    return Reported(" ".join(adverbs), verb, rest)


def inflect(word: str, tag: str) -> str:
    """A verb of the third person ("Commends") in the form `tag` asks ("VBD": commended)."""
    lemmas = getLemma(word.lower(), upos="VERB")
    forms = getInflection(lemmas[0], tag=tag) if lemmas else ()
    return forms[0] if forms else word.lower()
