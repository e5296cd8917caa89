"""The press release, drafted from the record in the house style of the seed (DESIGN.md §3): the meeting
line, the symbol, the headline, the lead, the vote sentence, the debate before it, the other operative
paragraphs with varied connectives, the statements, the meeting's times and the footer. Everything comes
from the record passed in; nothing of a particular meeting is written here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from editor.domain import voting
from editor.domain.bodies import BodyRules

# A statement and the debate before the meeting, as a record holds them: the scenario format's own.
from editor.domain.scenario import Debate, Statement
from editor.domain.tense import clean, is_seized_clause, report
from editor.domain.text import ordinal

FOOTER = "For information media. Not an official record."
# Names of States that take "the" ("the Russian Federation's representative").
_WITH_ARTICLE = re.compile(r"^(Russian Federation|United |Republic of |Democratic |Dominican Republic|Central African"
                           r"|Czech Republic|Syrian Arab Republic|Netherlands|Philippines|Gambia|Bahamas|Comoros"
                           r"|Maldives|Marshall Islands|Solomon Islands|Niger$|Sudan$|Holy See|State of |Lao "
                           r"|Congo$|Bolivarian|Plurinational|Islamic Republic|Federated States)")
_SMALL = {"a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "for", "by", "with",
          "between", "over", "as", "from", "into", "against", "without", "among", "via"}
_WOULD_HAVE = ("By other terms of the draft, the {short} would have", "It would also have",
               "Further, the draft would have", "The {short} would also have")
_CONNECTIVES = ("By other terms of the resolution, the {short}", "Further, it", "The {short} also",
                "It also", "In addition, the {short}", "The {short} further")


@dataclass(frozen=True)
class Clause:
    """An operative paragraph with its sub-paragraphs' texts."""

    text: str
    subparagraphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    rules: BodyRules
    meeting_number: int
    period: str
    meeting_date: dt.date
    agenda_item: str
    operative: tuple[Clause, ...]
    outcome: voting.Outcome
    members: int  # the body's size: "the 15-member Council"
    resolution: str | None = None
    symbol: str | None = None  # the release's ("SC/13893")
    began: dt.time | None = None
    ended: dt.time | None = None
    debate: Debate | None = None
    statements: tuple[Statement, ...] = ()
    resolution_text: tuple[str, ...] = ()  # the adopted text, paragraph by paragraph, when it is to be printed
    sponsors: tuple[str, ...] = ()  # the penholder first, then the co-sponsors, as the vote recorded them


@dataclass(frozen=True)
class Release:
    meeting_line: str
    symbol: str | None
    headline: str
    paragraphs: tuple[str, ...]
    footer: str = FOOTER
    full_text: tuple[str, ...] = field(default=())

    def text(self) -> str:
        head = [self.meeting_line] + ([self.symbol] if self.symbol else [])
        blocks = ["\n".join(head), self.headline, *self.paragraphs, *self.full_text, self.footer]
        return "\n\n".join(blocks) + "\n"

    def markdown(self) -> str:
        head = f"{_md(self.meeting_line)}  \n{_md(self.symbol)}" if self.symbol else _md(self.meeting_line)
        blocks = [head, f"# {_md(self.headline)}", *map(_md, self.paragraphs), *map(_md, self.full_text),
                  f"*{_md(self.footer)}*"]
        return "\n\n".join(blocks) + "\n"


def _md(text: str) -> str:
    """Text that Markdown shows as it is: emphasis, code, links and HTML escaped, and a line that would
    open a heading, a list or a quote."""
    text = re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)
    return re.sub(r"^([#+\->]|\d+\.)", r"\\\1", text)


# -- drafting ---------------------------------------------------------------------------------------------------


def draft_release(record: Record, full_text: bool = False) -> Release:
    rules, outcome = record.rules, record.outcome
    clauses = [c for c in record.operative if not is_seized_clause(c.text)]
    adopted = outcome.adopted
    paragraphs: list[str] = []
    if adopted:
        paragraphs.append(_lead(record, clauses[0]) if clauses else f"The {rules.name} acted today.")
        paragraphs.append(_vote_sentence(record, clauses[1] if len(clauses) > 1 else None))
        rest = clauses[2:]
    else:
        paragraphs.append(_failure(record, clauses[0] if clauses else None))
        paragraphs.append(_counts_of_failure(record))
        rest = clauses[1:]
    if not rules.permanent_members and record.sponsors:  # the Assembly's releases say who brought the text
        paragraphs.append(_introduced(record))
    if record.debate is not None:
        paragraphs.append(_debate(record))
    paragraphs.extend(_other_terms(record, rest))
    if rules.permanent_members == frozenset() and outcome.tally is not None:
        paragraphs.append(_recorded_vote(outcome.tally))
    paragraphs.extend(_statements(record.statements))
    if record.began and record.ended:
        paragraphs.append(_sentence(f"The meeting began at {_clock(record.began)} and ended at {_clock(record.ended)}"))
    text = ()
    if full_text and adopted and record.resolution_text:
        text = (f"The full text of resolution {record.resolution} reads as follows:", *record.resolution_text)
    period = record.period.upper()
    return Release(meeting_line=f"{ordinal(record.meeting_number)} Meeting ({period})", symbol=record.symbol,
                   headline=_headline(record, clauses[0] if clauses else None), paragraphs=tuple(paragraphs),
                   full_text=text)


def _organ(rules: BodyRules) -> str:
    return f"The {rules.name}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _reported(clause: Clause, participle: bool = False) -> str:
    """The paragraph in the past, with its sub-paragraphs after its lead-in."""
    phrase = report(clause.text, participle).phrase()
    if clause.subparagraphs:
        items = [clean(s) for s in clause.subparagraphs]
        listed = "; ".join(items[:-1]) + ("; and " if len(items) > 1 else "") + items[-1]
        phrase = f"{phrase.rstrip(':')}: {listed}"
    return phrase


def _lead(record: Record, clause: Clause) -> str:
    """"The Security Council expressed concern today that ..." / "The Security Council today decided to ..."."""
    said = report(clause.text)
    organ = _organ(record.rules)
    if said.rest.lower().startswith("that "):
        head = " ".join(p for p in (said.adverbs, said.verb) if p)
        text = f"{organ} {head} today {said.rest}"
    else:
        text = f"{organ} today {_reported(clause)}"
    if clause.subparagraphs and said.rest.lower().startswith("that "):
        text = f"{organ} today {_reported(clause)}"
    return _sentence(text)


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names)


def _tally(t: voting.Tally, recorded: bool) -> str:
    """"13 in favour to none against, with 2 abstentions (China, Russian Federation)"; a recorded vote's
    names are listed apart."""
    if t.against:
        against = f"{len(t.against)} against" + ("" if recorded else f" ({_names(t.against)})")
    else:
        against = "none against"
    if t.abstaining:
        n = len(t.abstaining)
        abstaining = f"{n} abstention{'s' if n > 1 else ''}" + ("" if recorded else f" ({_names(t.abstaining)})")
    else:
        abstaining = "no abstentions"
    return f"{len(t.in_favour)} in favour to {against}, with {abstaining}"


def _counts(t: voting.Tally, recorded: bool) -> str:
    return f"by {'a recorded vote' if recorded else 'a vote'} of {_tally(t, recorded)}"


def _vote_sentence(record: Record, clause: Clause | None) -> str:
    rules, outcome, number = record.rules, record.outcome, record.resolution
    short = rules.short_name
    if outcome.without_vote:
        how = "by acclamation" if outcome.by_acclamation else "without a vote"
        opening = f"Adopting resolution {number} {how}, the {short}"
    elif outcome.unanimous:
        opening = f"Unanimously adopting resolution {number}, the {record.members}-member {short}"
    else:
        recorded = not rules.permanent_members
        opening = f"Adopting resolution {number} {_counts(outcome.tally, recorded)}, the {short}"
    if clause is None:
        return _sentence(f"{opening} acted on the text in blue")
    said = report(clause.text)
    phrase = _reported(clause)
    if not said.adverbs:
        phrase = "also " + phrase
    return _sentence(f"{opening} {phrase}")


def _failure(record: Record, clause: Clause | None) -> str:
    """"The Security Council failed today to adopt a draft resolution that would have ..., owing to ..."."""
    outcome = record.outcome
    why = []
    if voting.VETO in outcome.reasons:
        vetoed = outcome.vetoed_by
        members = " and ".join(_with_article(m) for m in vetoed)
        why.append(f"owing to the negative vote{'s' if len(vetoed) > 1 else ''} of {members}, "
                   f"permanent member{'s' if len(vetoed) > 1 else ''} of the {record.rules.short_name}")
    if voting.SHORT_OF_VOTES in outcome.reasons:
        why.append("having failed to obtain the required number of votes")
    if voting.NO_MAJORITY in outcome.reasons:
        why.append("having failed to obtain the required majority")
    would = f" that would have {_reported(clause, participle=True)}" if clause else ""
    return _sentence(f"{_organ(record.rules)} failed today to adopt a draft resolution{would}, {' and '.join(why)}")


def _counts_of_failure(record: Record) -> str:
    """"The draft received 13 votes in favour to 2 against (China, Russian Federation), with no abstentions."."""
    t = record.outcome.tally
    assert t is not None
    tally = _tally(t, recorded=not record.rules.permanent_members).replace(" in favour", " votes in favour", 1)
    return _sentence(f"The draft received {tally}")


def _introduced(record: Record) -> str:
    """"The draft was introduced by Canada's representative, on behalf of the sponsors (Canada, Denmark)."."""
    first, *others = record.sponsors
    if not others:
        return f"The draft was introduced by {_possessive(first)} representative."
    return f"The draft was introduced by {_possessive(first)} representative, on behalf of the sponsors " \
           f"({_names(tuple(record.sponsors))})."


def _debate(record: Record) -> str:
    debate = record.debate
    assert debate is not None
    kind = debate.kind or "debate"
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    among = (f" among {record.rules.short_name} members and the wider United Nations membership"
             if kind == "open debate" else "")
    on = f"{debate.date.day} {debate.date.strftime('%B')}" + ("" if debate.date.year == record.meeting_date.year
                                                               else f" {debate.date.year}")
    about = f" concerning {debate.topic}" if debate.topic else ""
    see = f" (see Press Release {debate.press_release})" if debate.press_release else ""
    return f"Today’s action followed {article} {kind}{among} on {on}{about}{see}."


def _other_terms(record: Record, clauses: list[Clause]) -> list[str]:
    short = record.rules.short_name
    out, turn = [], 0
    adopted = record.outcome.adopted
    for clause in clauses:
        said = report(clause.text, participle=not adopted)
        if said.verb == "requested that" and not said.adverbs and adopted:
            out.append(_sentence(f"The {short} {_reported(clause)}"))
            continue
        if not adopted:  # "By other terms" opens the list once; the others take turns after it
            lead = _WOULD_HAVE[0 if turn == 0 else 1 + (turn - 1) % (len(_WOULD_HAVE) - 1)].format(short=short)
            out.append(_sentence(f"{lead} {_reported(clause, participle=True)}"))
        else:
            lead = _CONNECTIVES[0 if turn == 0 else 1 + (turn - 1) % (len(_CONNECTIVES) - 1)].format(short=short)
            phrase = _reported(clause)
            if lead.endswith(" also") and said.adverbs == "also":
                phrase = phrase[len("also "):]
            out.append(_sentence(f"{lead} {phrase}"))
        turn += 1
    return out


def _recorded_vote(t: voting.Tally) -> str:
    parts = [("In favour", t.in_favour), ("Against", t.against), ("Abstain", t.abstaining),
             ("Absent", t.absent + t.not_participating)]
    return "The recorded vote was as follows: " + "; ".join(
        f"{label}: {_names(names) if names else 'None'}" for label, names in parts) + "."


def _with_article(member: str) -> str:
    return f"the {member}" if _WITH_ARTICLE.match(member) else member


def _possessive(member: str) -> str:
    named = _with_article(member)
    return f"{named}’" if member.endswith("s") else f"{named}’s"


def _statements(statements: tuple[Statement, ...]) -> list[str]:
    out = []
    for when in ("before", "after"):
        said = [s for s in statements if s.when == when]
        for index, statement in enumerate(said):
            text = statement.text.strip()
            who = f"{_possessive(statement.member)} {statement.speaker}"
            if index == 0:
                out.append(_sentence(f"Speaking {when} the vote, {who} {text}"))
            else:
                out.append(_sentence(f"{who[0].upper()}{who[1:]} {text}"))
    return out


def _clock(at: dt.time) -> str:
    if at.hour == 12 and at.minute == 0:
        return "noon"
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes} {'a.m.' if at.hour < 12 else 'p.m.'}"


# -- the headline ----------------------------------------------------------------------------------------------


def title_case(text: str) -> str:
    words = text.split()
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if i and lower in _SMALL:
            out.append(lower)
        elif word[:1].islower():
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


def _topic(record: Record) -> str:
    topic = (record.debate.topic if record.debate and record.debate.topic else record.agenda_item).strip()
    return title_case(re.sub(r"^(the|a|an) ", "", topic, flags=re.I))


def _headline(record: Record, clause: Clause | None) -> str:
    rules, outcome, number = record.rules, record.outcome, record.resolution
    topic = _topic(record)
    if not outcome.adopted:
        if voting.VETO in outcome.reasons:
            vetoed = " and ".join(outcome.vetoed_by)
            return f"{rules.name} Fails to Adopt Draft Resolution on {topic} Owing to Veto by {vetoed}"
        return f"{rules.name} Fails to Adopt Draft Resolution on {topic}, Short of Required Votes"
    if clause is not None:
        opening = clean(clause.text)
        said = report(opening)
        present = opening[: len(opening) - len(said.rest)].strip() if said.rest else opening
        present = re.sub(r"^(Further|Also|Again|Once Again)\s+", "", title_case(present))
        rest = said.rest
        if not rest or rest.lower().startswith("that "):  # "Expresses Concern over <the topic>"
            action = f"{rules.name} {present} {'over' if present.lower().endswith('concern') else 'on'} {topic}"
        else:  # "Condemns Attacks on Civilians": what the paragraph does, up to its first pause
            what = re.split(r"[,;:]", rest, maxsplit=1)[0].split()
            what = what[1:] if what and what[0].lower() in ("the", "a", "an") else what
            action = f"{rules.name} {present} {title_case(' '.join(what[:9]))}"
    else:
        action = f"{rules.name} Acts on {topic}"
    if outcome.without_vote:
        how = "by Acclamation" if outcome.by_acclamation else "without a Vote"
        return f"{action}, Adopting Resolution {number} {how}"
    if outcome.unanimous:
        return f"{action}, Unanimously Adopting Resolution {number}"
    t = outcome.tally
    assert t is not None
    counts = f"{len(t.in_favour)} Votes in Favour"
    if t.against:
        counts += f" to {len(t.against)} Against"
    if t.abstaining:
        counts += f", {len(t.abstaining)} Abstention{'s' if len(t.abstaining) > 1 else ''}"
    return f"{action}, Adopting Resolution {number} by {counts}"
