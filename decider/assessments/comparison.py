"""Compare two to four sets of answers: each result, every answer, and why the results differ.

Pure functions over answers and engine results: no database, no requests. The view loads the
assessments or revisions (after the access check) and hands over a label and the answers of
each; everything a reader needs to see which answers moved which area comes back from
``compare_answers``.

Items are called A, B, C and D in the tables and the verdict, so the columns stay narrow enough
for a phone and the sentences short; each item's header pairs the letter with its title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from decider.engine import default_engine, validate_answers
from decider.engine.evaluate import Result
from decider.engine.labels import labels
from decider.engine.questionnaire import load_questionnaire
from decider.engine.ruleset import DERIVED_QUANTITIES

from . import presenters, services

MIN_ITEMS = 2
MAX_ITEMS = 4
LETTERS = "ABCD"
TOP_REASONS = 3  # how many rules the verdict names


class ComparisonError(ValueError):
    """Too few or too many items to compare; the message says what to do."""


@dataclass(frozen=True, slots=True)
class CompareItem:
    """What to compare: a label for people, complete answers, and where to read more."""

    label: str
    answers: Mapping[str, Any]
    href: str = ""
    href_text: str = ""


@dataclass(frozen=True, slots=True)
class ItemResult:
    letter: str
    label: str
    href: str
    href_text: str
    recommendation: str
    rec_words: str
    confidence: float
    confidence_pct: int
    confidence_words: str
    scores: Mapping[str, float]
    open_text: str
    closed_text: str
    chart: Mapping[str, Any]
    result: Result


@dataclass(frozen=True, slots=True)
class AnswerRow:
    question: str
    label: str
    words: tuple[str, ...]  # one per item
    differs: bool


@dataclass(frozen=True, slots=True)
class AnswerSection:
    id: str
    title: str
    rows: tuple[AnswerRow, ...]

    @property
    def differing(self) -> int:
        return sum(1 for row in self.rows if row.differs)


@dataclass(frozen=True, slots=True)
class RuleAnswer:
    """One answer a rule reads, as one item gave it."""

    question: str
    label: str
    words: str
    main: bool  # the rule's own question (others are gates, scales, the area's priority)


@dataclass(frozen=True, slots=True)
class RuleCell:
    """A rule in one item: its effective weight (0 when it did not fire) and the answers."""

    weight: float
    weight_text: str
    fired: bool
    answers: tuple[RuleAnswer, ...]


@dataclass(frozen=True, slots=True)
class RuleDifference:
    rule: str
    label: str
    area: str
    area_label: str
    favours: str
    question: str
    question_label: str
    weights: tuple[float, ...]
    spread: float
    spread_text: str
    cells: tuple[RuleCell, ...]
    explanation: str  # as the item where the rule weighs most explains it
    changed_inputs: tuple[str, ...]  # the questions it reads whose answers differ


@dataclass(frozen=True, slots=True)
class AreaCell:
    net: float
    words: str  # "2.5 towards open", "balanced"


@dataclass(frozen=True, slots=True)
class AreaDifference:
    area: str
    label: str
    cells: tuple[AreaCell, ...]
    spread: float
    spread_text: str
    rules: tuple[str, ...]  # labels of the differing rules in this area

    @property
    def differs(self) -> bool:
        return self.spread > 0


@dataclass(frozen=True, slots=True)
class Comparison:
    items: tuple[ItemResult, ...]
    sections: tuple[AnswerSection, ...]
    differing_questions: tuple[str, ...]
    rules: tuple[RuleDifference, ...]
    areas: tuple[AreaDifference, ...]
    verdict: str

    @property
    def identical(self) -> bool:
        return not self.differing_questions

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(item.letter for item in self.items)


# ---------------------------------------------------------------------- building blocks


@cache
def _rule_inputs() -> dict[str, tuple[str, ...]]:
    """Every question each rule reads, its own question first, then gates, scales, priority.

    These are the answers that can make one rule weigh differently in two items, so they are
    the "answers behind" a difference.
    """
    ruleset = default_engine().loaded.ruleset
    inputs: dict[str, tuple[str, ...]] = {}
    for rule in ruleset.rules:
        read: list[str] = []
        if rule.question:
            read.append(rule.question)
        if rule.quantity:
            read.extend(DERIVED_QUANTITIES[rule.quantity])
        read.extend(gate.question for gate in rule.when)
        read.extend(rule.scale_by)
        read.append(ruleset.priorities.areas[rule.area])
        inputs[rule.id] = tuple(dict.fromkeys(read))
    return inputs


@cache
def _rule_order() -> dict[str, int]:
    return {rule.id: index for index, rule in enumerate(default_engine().loaded.ruleset.rules)}


def _letters(count: int) -> tuple[str, ...]:
    return tuple(LETTERS[:count])


def _shared_scale(chart: Mapping[str, Any], own: float, shared: float) -> dict[str, Any]:
    """The chart redrawn so its bars use the largest value of all the items, not only its own.

    Side by side, two charts must share one scale, or a bar of 1.5 in one would look as long
    as a bar of 4 in the other. Text positions keep ``area_chart``'s 4-unit gap after a bar.
    """
    factor = own / shared
    axis = float(chart["axis"])
    rows = []
    for row in chart["rows"]:
        open_width = round(float(row["open_width"]) * factor, 1)
        closed_width = round(float(row["closed_width"]) * factor, 1)
        rows.append(
            {
                **row,
                "open_width": open_width,
                "closed_width": closed_width,
                "closed_x": round(axis - closed_width, 1),
                "open_text_x": round(axis + open_width + 4, 1),
                "closed_text_x": round(axis - closed_width - 4, 1),
            }
        )
    return {**chart, "rows": rows}


def _largest_bar(result: Result) -> float:
    """The value ``area_chart`` scales its bars to (at least 1, as there)."""
    areas = result["areas"]
    return float(max([a["open"] for a in areas] + [a["closed"] for a in areas] + [1.0]))


def _item_results(
    items: Sequence[CompareItem], results: Sequence[Result]
) -> tuple[ItemResult, ...]:
    shared = max(_largest_bar(r) for r in results)
    made = []
    for letter, item, result in zip(_letters(len(items)), items, results, strict=True):
        chart = presenters.area_chart(result)
        made.append(
            ItemResult(
                letter=letter,
                label=item.label,
                href=item.href,
                href_text=item.href_text,
                recommendation=result["recommendation"],
                rec_words=presenters.REC_WORDS[result["recommendation"]],
                confidence=result["confidence"],
                confidence_pct=round(result["confidence"] * 100),
                confidence_words=presenters.confidence_words(result["confidence"]),
                scores=result["scores"],
                open_text=presenters.number(result["scores"]["open"]),
                closed_text=presenters.number(result["scores"]["closed"]),
                chart=_shared_scale(chart, _largest_bar(result), shared),
                result=result,
            )
        )
    return tuple(made)


def _differs(values: Sequence[Any]) -> bool:
    return any(value != values[0] for value in values[1:])


def answer_sections(answer_sets: Sequence[Mapping[str, Any]]) -> tuple[AnswerSection, ...]:
    """Every question in questionnaire order, grouped by section, each answer in words."""
    wording = labels()
    sections = []
    for section in load_questionnaire().sections:
        rows = []
        for question in section.questions:
            values = [answers[question.id] for answers in answer_sets]
            rows.append(
                AnswerRow(
                    question=question.id,
                    label=wording.question(question.id).label,
                    words=tuple(presenters.answer_words(question.id, v) for v in values),
                    differs=_differs(values),
                )
            )
        sections.append(
            AnswerSection(id=section.id, title=wording.sections[section.id].title, rows=tuple(rows))
        )
    return tuple(sections)


def rule_differences(
    answer_sets: Sequence[Mapping[str, Any]], results: Sequence[Result]
) -> tuple[RuleDifference, ...]:
    """Rules whose effective weight differs between items, the largest spread first.

    A rule that did not fire in an item weighs 0 there. The weights are the engine's own
    rationale weights, so the table adds up to the scores shown above it.
    """
    fired: list[dict[str, dict[str, Any]]] = [
        {entry["rule"]: entry for entry in result["rationale"]} for result in results
    ]
    area_labels = {area["area"]: area["label"] for area in results[0]["areas"]}
    wording = labels()
    rule_ids = sorted(
        {rule for entries in fired for rule in entries}, key=lambda r: _rule_order()[r]
    )
    differences = []
    for rule_id in rule_ids:
        entries = [by_rule.get(rule_id) for by_rule in fired]
        present = [e for e in entries if e is not None]
        first = present[0]
        if first["favours"] == "neutral":
            continue  # never moves a score
        weights = tuple(float(e["weight"]) if e else 0.0 for e in entries)
        if not _differs(weights):
            continue
        inputs = _rule_inputs()[rule_id]
        main = first["question"]
        changed = tuple(q for q in inputs if _differs([answers[q] for answers in answer_sets]))
        shown = [main, *(q for q in changed if q != main)]
        cells = tuple(
            RuleCell(
                weight=weight,
                weight_text=presenters.number(weight),
                fired=entry is not None,
                answers=tuple(
                    RuleAnswer(
                        question=q,
                        # A priority shows beside its area, so "Priority" says enough.
                        label="Priority"
                        if q.startswith(presenters.PRIORITY_PREFIX)
                        else wording.question(q).label,
                        words=presenters.answer_words(q, answers[q]),
                        main=q == main,
                    )
                    for q in shown
                ),
            )
            for weight, entry, answers in zip(weights, entries, answer_sets, strict=True)
        )
        heaviest = max(present, key=lambda e: float(e["weight"]))
        spread = max(weights) - min(weights)
        differences.append(
            RuleDifference(
                rule=rule_id,
                label=first["label"],
                area=first["area"],
                area_label=area_labels[first["area"]],
                favours=first["favours"],
                question=main,
                question_label=wording.question(main).label,
                weights=weights,
                spread=spread,
                spread_text=presenters.number(spread),
                cells=cells,
                explanation=heaviest["explanation"],
                changed_inputs=changed,
            )
        )
    # Stable: equal spreads keep ruleset order.
    differences.sort(key=lambda d: -d.spread)
    return tuple(differences)


def _net_words(net: float) -> str:
    if net > 0:
        return f"{presenters.number(net)} towards open"
    if net < 0:
        return f"{presenters.number(-net)} towards closed"
    return "balanced"


def area_differences(
    results: Sequence[Result], rules: Sequence[RuleDifference]
) -> tuple[AreaDifference, ...]:
    """Each area's net weight (open minus closed) per item, and which differing rules moved it."""
    areas = []
    for index, area in enumerate(results[0]["areas"]):
        nets = [float(result["areas"][index]["net"]) for result in results]
        spread = max(nets) - min(nets)
        areas.append(
            AreaDifference(
                area=area["area"],
                label=area["label"],
                cells=tuple(AreaCell(net=n, words=_net_words(n)) for n in nets),
                spread=spread,
                spread_text=presenters.number(spread),
                rules=tuple(r.label for r in rules if r.area == area["area"]),
            )
        )
    return tuple(areas)


# ---------------------------------------------------------------------- the verdict


def _join(parts: Sequence[str], *, sep: str = ", ") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return sep.join(parts[:-1]) + " and " + parts[-1]


def _recommendations_sentence(items: Sequence[ItemResult]) -> str:
    recs = [item.recommendation for item in items]
    letters = [item.letter for item in items]
    if not _differs(recs):
        both = "both" if len(items) == 2 else "all"
        return f"{_join(letters)} {both} recommend {recs[0]}."
    first = f"{items[0].letter} recommends {items[0].recommendation}"
    return _join([first, *(f"{item.letter} {item.recommendation}" for item in items[1:])]) + "."


def _per_item(qid: str, answer_sets: Sequence[Mapping[str, Any]], letters: Sequence[str]) -> str:
    """Each answer once, with the items that gave it: “Within weeks” in A and C, ... in B."""
    groups: dict[str, list[str]] = {}
    for letter, answers in zip(letters, answer_sets, strict=True):
        groups.setdefault(presenters.answer_words(qid, answers[qid]), []).append(letter)
    return ", ".join(f"\u201c{words}\u201d in {_join(who)}" for words, who in groups.items())


def _reason_phrase(
    rule: RuleDifference, answer_sets: Sequence[Mapping[str, Any]], letters: Sequence[str]
) -> str:
    """A rule and the answers behind its difference: its own question's when that differs.

    Otherwise the other answers it reads (a gate, a scale) are named with their question. A
    priority alone is left to the sentence about priorities, so it is said once, not per rule.
    """
    if rule.question in rule.changed_inputs:
        return f"{rule.label} ({_per_item(rule.question, answer_sets, letters)})"
    others = [q for q in rule.changed_inputs if not q.startswith(presenters.PRIORITY_PREFIX)]
    if not others:
        return rule.label
    wording = labels()
    answers = "; ".join(
        f"{wording.question(q).label} \u2014 {_per_item(q, answer_sets, letters)}" for q in others
    )
    return f"{rule.label} ({answers})"


def verdict(
    items: Sequence[ItemResult],
    answer_sets: Sequence[Mapping[str, Any]],
    differing_questions: Sequence[str],
    rules: Sequence[RuleDifference],
    areas: Sequence[AreaDifference],
) -> str:
    """One plain-language paragraph: what each recommends, and the answers that made it so."""
    letters = [item.letter for item in items]
    wording = labels()
    if not differing_questions:
        return (
            f"These assessments have the same answers, so their results are the same: "
            f"{_join(letters)} recommend {items[0].recommendation} with "
            f"{items[0].confidence_pct}% confidence."
        )
    opening = _recommendations_sentence(items)
    if not rules:
        changed = "; ".join(wording.question(q).label for q in differing_questions)
        return (
            f"{opening} Their answers differ only where no reason weighs them ({changed}), "
            f"so every reason counts the same in each."
        )
    top = rules[:TOP_REASONS]
    text = (
        f"{opening} The biggest differences: "
        f"{_join([_reason_phrase(r, answer_sets, letters) for r in top], sep='; ')}."
    )
    priorities = [
        q
        for q in dict.fromkeys(q for r in top for q in r.changed_inputs)
        if q.startswith(presenters.PRIORITY_PREFIX)
    ]
    if priorities:
        scaled = "; ".join(
            f"{wording.question(q).label} \u2014 {_per_item(q, answer_sets, letters)}"
            for q in priorities
        )
        text += f" Priorities that scale these differ as well: {scaled}."
    moved = max(areas, key=lambda a: a.spread)
    if moved.spread > 0:
        text += f" The area that moved most is {moved.label.lower()}."
    return text


# ---------------------------------------------------------------------- the whole comparison


def compare_answers(items: Sequence[CompareItem]) -> Comparison:
    """The comparison of two to four items; ``ComparisonError`` for any other number."""
    if not MIN_ITEMS <= len(items) <= MAX_ITEMS:
        raise ComparisonError(
            f"Choose between {MIN_ITEMS} and {MAX_ITEMS} assessments or revisions to compare; "
            f"{len(items)} {'was' if len(items) == 1 else 'were'} given."
        )
    # Validation fills in defaults: compare the complete answers the engine sees.
    complete = [validate_answers(dict(item.answers)) for item in items]
    results = [services.assess_answers(answers) for answers in complete]
    item_results = _item_results(items, results)
    sections = answer_sections(complete)
    differing = tuple(row.question for section in sections for row in section.rows if row.differs)
    rules = rule_differences(complete, results)
    areas = area_differences(results, rules)
    return Comparison(
        items=item_results,
        sections=sections,
        differing_questions=differing,
        rules=rules,
        areas=areas,
        verdict=verdict(item_results, complete, differing, rules, areas),
    )
