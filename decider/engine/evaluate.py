"""Scoring: answers in, an explained recommendation out.

How a result comes about (docs/ENGINE.md has the worked version):

1. Each rule that fires adds its weight, scaled by any unordered answers it names and by the
   priority of its area, to the open or the closed score. Effective weights are kept as whole
   thousandths, so every sum is exact and independent of order: the sensitivity analysis below
   then agrees with a full re-evaluation to the last digit.
2. Open wins when its score reaches ``open_ratio`` times the closed score, closed likewise;
   anything between is a hybrid. A hard constraint (air-gapped, no outside processing) rules out
   the hosted side and leaves open.
3. Flips are found incrementally: changing one answer only changes the rules that read it, so
   each alternative costs a few rule evaluations, not a whole assessment.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .answers import Answers, validate_answers
from .questionnaire import Question, questions
from .ruleset import AREAS, DERIVED_QUANTITIES, Advice, LoadedRuleset, Rule, default_ruleset
from .wording import tokens_per_month_words

MILLI = 1000  # effective weights and scores are integers in thousandths
_HALF = 0.5 + 1e-9  # round half up, absorbing floating-point noise (see _thousandths)

Result = dict[str, Any]


def _thousandths(weight: float) -> int:
    """A non-negative weight in whole thousandths, halves rounded up as a reader would.

    The tiny tolerance absorbs binary floating-point noise (0.75 x 1.35 is 1.01249999...), so
    1.0125 becomes 1.013 and 1.3125 becomes 1.313, exactly as by hand. Rounding is monotone,
    so it never reverses the order of two weights.
    """
    return int(weight * MILLI + _HALF)


def tokens_per_month(answers: Mapping[str, Any]) -> int:
    return int(answers["monthly_requests"]) * int(answers["tokens_per_request"])


_QUANTITIES: dict[str, Callable[[Mapping[str, Any]], int]] = {
    "tokens_per_month": tokens_per_month,
}


@dataclass(frozen=True, slots=True)
class _Rule:
    """A rule compiled for speed: plain tuples and dicts, no validation on the hot path."""

    index: int
    rule: Rule
    area: int
    side: int  # +1 open, -1 closed, 0 neutral
    question: str | None
    weights: Mapping[str, float] | None
    quantity: Callable[[Mapping[str, Any]], int] | None
    tiers: tuple[tuple[int, float], ...]
    gates: tuple[tuple[str, frozenset[str]], ...]
    scales: tuple[tuple[str, Mapping[str, float]], ...]
    templated: bool
    max_raw: float  # an upper bound of ``raw`` over all answers, for pruning flip searches
    simple: bool  # a weight table on one question: no gates, no scales, no tiers

    def raw(self, answers: Mapping[str, Any]) -> float | None:
        """The weight before priorities, or None when the rule does not apply."""
        for qid, allowed in self.gates:
            if answers[qid] not in allowed:
                return None
        weight: float | None
        if self.weights is not None:
            weight = self.weights.get(answers[self.question])  # type: ignore[index]
        else:
            value = self.quantity(answers)  # type: ignore[misc]
            weight = None
            for at_least, tier_weight in self.tiers:
                if value < at_least:
                    break
                weight = tier_weight
        if weight is None or (weight == 0 and self.side != 0):
            return None
        for qid, table in self.scales:
            weight *= table[answers[qid]]
        return weight


# Cautions or next steps by recommendation: (gates, text) in ruleset order.
_AdviceTable = Mapping[str, tuple[tuple[tuple[tuple[str, frozenset[str]], ...], str], ...]]


def _advice_table(group: tuple[Advice, ...]) -> _AdviceTable:
    return {
        rec: tuple(
            (tuple((g.question, frozenset(g.answers)) for g in advice.when), advice.text)
            for advice in group
            if rec in advice.paths
        )
        for rec in ("open", "closed", "hybrid")
    }


@dataclass(slots=True)
class _State:
    """One assessment's working state, shared by the flip searches."""

    answers: dict[str, Any]  # varied in place during flips, always restored
    mult: list[float]  # priority multiplier per area
    raws: list[float | None]  # each rule's weight before priorities; None = did not fire
    effective: list[int]  # each rule's effective weight in thousandths; 0 = did not fire
    open_score: int
    closed_score: int
    forced: bool
    recommendation: str


def _flip(question: str, answer: object, recommendation: str, comparison: str) -> dict[str, Any]:
    return {
        "question": question,
        "answer": answer,
        "recommendation": recommendation,
        "comparison": comparison,
    }


@dataclass(frozen=True, slots=True)
class Engine:
    """A ruleset compiled against the questionnaire, ready to assess answers."""

    loaded: LoadedRuleset
    rules: tuple[_Rule, ...]
    by_input: Mapping[str, tuple[_Rule, ...]]
    area_priority: tuple[str, ...]  # priority question of each area, by area index
    priority_scale: Mapping[int, float]
    priority_rules: Mapping[str, tuple[_Rule, ...]]  # open/closed rules each priority scales
    priority_min: float
    priority_max: float
    # Each question a flip can be about, with the most it can move the open and the closed
    # score (thousandths) and whether it can switch a hard constraint.
    flip_plan: tuple[tuple[Question, int, int, bool], ...]
    cautions: _AdviceTable
    next_steps: _AdviceTable
    constraint_answers: Mapping[str, frozenset[str]]
    prior: int
    open_ratio: float
    closed_ratio: float

    # ------------------------------------------------------------------ scoring

    def _multipliers(self, answers: Mapping[str, Any]) -> list[float]:
        return [self.priority_scale[answers[q]] for q in self.area_priority]

    def _forced_open(self, answers: Mapping[str, Any]) -> bool:
        return any(answers[q] in allowed for q, allowed in self.constraint_answers.items())

    def _decide(self, open_score: int, closed_score: int, forced_open: bool) -> str:
        if forced_open or open_score >= self.open_ratio * closed_score:
            return "open"
        if closed_score >= self.closed_ratio * open_score:
            return "closed"
        return "hybrid"

    def _confidence(self, open_score: int, closed_score: int, recommendation: str) -> float:
        share = open_score / (open_score + closed_score)
        open_edge = self.open_ratio / (1 + self.open_ratio)
        closed_edge = 1 / (1 + self.closed_ratio)
        if recommendation == "open":
            if share < open_edge:  # only a hard constraint made it open
                return round(0.5 * share / open_edge, 2)
            return round(0.5 + 0.5 * (share - open_edge) / (1 - open_edge), 2)
        if recommendation == "closed":
            return round(0.5 + 0.5 * (closed_edge - share) / closed_edge, 2)
        half = (open_edge - closed_edge) / 2
        return round(0.5 + 0.5 * (1 - abs(share - (open_edge - half)) / half), 2)

    # ------------------------------------------------------------------ flips

    def _flips(self, state: _State) -> list[dict[str, Any]]:
        """Every single-answer change that changes the recommendation, in questionnaire order.

        A cheap, sound filter comes first: ``swing`` bounds how far one question can move each
        score whatever the other answers are (every rule it touches at its largest weight and
        the largest priority). If the recommendation survives even that in both directions, the
        question needs no closer look; most questions of a clear-cut assessment stop there.
        Only a hard-constraint question can lift a forced "open".
        """
        flips: list[dict[str, Any]] = []
        o, c = state.open_score, state.closed_score
        ro, rc = self.open_ratio, self.closed_ratio
        rec = state.recommendation
        for question, open_swing, closed_swing, constraint in self.flip_plan:
            if not constraint:
                if state.forced:
                    continue
                if rec == "open":
                    if o - open_swing >= ro * (c + closed_swing):
                        continue
                elif rec == "closed":
                    if c - closed_swing >= rc * (o + open_swing):
                        continue
                elif o + open_swing < ro * (c - closed_swing) and c + closed_swing < rc * (
                    o - open_swing
                ):
                    continue
            if question.id in self.priority_rules:
                flips.extend(self._priority_flips(state, question))
            elif question.kind == "choice":
                flips.extend(self._choice_flips(state, question))
            else:
                flips.extend(self._threshold_flips(state, question))
        return flips

    def _without(self, state: _State, touched: tuple[_Rule, ...]) -> tuple[int, int, int, int]:
        """Scores without the touched rules, and the most those rules could add to each side."""
        base_open, base_closed = state.open_score, state.closed_score
        most_open = most_closed = 0
        for rule in touched:
            bound = _thousandths(rule.max_raw * state.mult[rule.area])
            if rule.side > 0:
                base_open -= state.effective[rule.index]
                most_open += bound
            elif rule.side < 0:
                base_closed -= state.effective[rule.index]
                most_closed += bound
        return base_open, base_closed, most_open, most_closed

    def _cannot_flip(self, state: _State, qid: str, bounds: tuple[int, int, int, int]) -> bool:
        """True when even the extreme answers of ``qid`` leave the recommendation unchanged.

        The decision only moves one way as either score moves, so checking the two corners
        (least open with most closed, and the reverse) bounds every answer in between. Answers
        that can switch a hard constraint on or off are never pruned.
        """
        if qid in self.constraint_answers:
            return False
        base_open, base_closed, most_open, most_closed = bounds
        low = self._decide(base_open, base_closed + most_closed, state.forced)
        high = self._decide(base_open + most_open, base_closed, state.forced)
        return low == high == state.recommendation

    def _rescore(
        self,
        state: _State,
        qid: str,
        value: object,
        touched: tuple[_Rule, ...],
        base_open: int,
        base_closed: int,
    ) -> str:
        """The recommendation with ``qid`` set to ``value``; only the touched rules are re-run."""
        answers = state.answers
        original = answers[qid]
        answers[qid] = value
        try:
            for rule in touched:
                if rule.side == 0:
                    continue
                raw = rule.raw(answers)
                if raw is None:
                    continue
                weight = _thousandths(raw * state.mult[rule.area])
                if rule.side > 0:
                    base_open += weight
                else:
                    base_closed += weight
            forced = self._forced_open(answers) if qid in self.constraint_answers else state.forced
        finally:
            answers[qid] = original
        return self._decide(base_open, base_closed, forced)

    def _choice_flips(self, state: _State, question: Question) -> list[dict[str, Any]]:
        """The hot loop of the sensitivity analysis, kept flat on purpose (see bench/engine.py)."""
        qid = question.id
        touched = self.by_input.get(qid, ())
        base_open, base_closed, most_open, most_closed = self._without(state, touched)
        if self._cannot_flip(state, qid, (base_open, base_closed, most_open, most_closed)):
            return []
        answers, mult, current = state.answers, state.mult, state.recommendation
        constrained = qid in self.constraint_answers
        original = answers[qid]
        flips = []
        try:
            for choice in question.choices:
                if choice == original:
                    continue
                answers[qid] = choice
                open_score, closed_score = base_open, base_closed
                for rule in touched:
                    # A simple rule reads only this question: its weight is a table lookup.
                    raw = rule.weights.get(choice) if rule.simple else rule.raw(answers)  # type: ignore[union-attr]
                    if not raw:
                        continue
                    weight = int(raw * mult[rule.area] * MILLI + _HALF)
                    if rule.side > 0:
                        open_score += weight
                    else:
                        closed_score += weight
                forced = self._forced_open(answers) if constrained else state.forced
                rec = self._decide(open_score, closed_score, forced)
                if rec != current:
                    flips.append(_flip(qid, choice, rec, "equals"))
        finally:
            answers[qid] = original
        return flips

    def _priority_flips(self, state: _State, question: Question) -> list[dict[str, Any]]:
        """A priority rescales its areas; rule firing does not depend on it."""
        qid = question.id
        scaled = self.priority_rules[qid]
        base_open, base_closed = state.open_score, state.closed_score
        fired = []
        for rule in scaled:
            raw = state.raws[rule.index]
            if raw is None:
                continue
            fired.append((rule.side, raw))
            if rule.side > 0:
                base_open -= state.effective[rule.index]
            else:
                base_closed -= state.effective[rule.index]

        def scored(multiplier: float) -> tuple[int, int]:
            open_score, closed_score = base_open, base_closed
            for side, raw in fired:
                weight = _thousandths(raw * multiplier)
                if side > 0:
                    open_score += weight
                else:
                    closed_score += weight
            return open_score, closed_score

        least_open, least_closed = scored(self.priority_min)
        most_open, most_closed = scored(self.priority_max)
        if (
            self._decide(least_open, most_closed, state.forced)
            == self._decide(most_open, least_closed, state.forced)
            == state.recommendation
        ):
            return []
        flips = []
        for value, multiplier in self.priority_scale.items():
            if value == state.answers[qid]:
                continue
            rec = self._decide(*scored(multiplier), state.forced)
            if rec != state.recommendation:
                flips.append(_flip(qid, value, rec, "equals"))
        return flips

    def _breakpoints(self, state: _State, question: Question) -> list[int]:
        """Values of an integer question at which some rule's tier can change."""
        points: set[int] = set()
        lo, hi = question.minimum or 0, question.maximum or 0
        for rule in self.by_input.get(question.id, ()):
            if rule.rule.quantity is None:
                continue
            inputs = DERIVED_QUANTITIES[rule.rule.quantity]
            other = math.prod(int(state.answers[q]) for q in inputs if q != question.id)
            if other <= 0:
                continue
            for at_least, _ in rule.tiers:
                point = -(-at_least // other)  # ceil division, exact for big ints
                if lo < point <= hi:
                    points.add(point)
        return sorted(points)

    def _threshold_flips(self, state: _State, question: Question) -> list[dict[str, Any]]:
        """Walk the segments between breakpoints outward from the current value.

        Rules are step functions of the quantity, so the recommendation is constant between
        consecutive breakpoints: one evaluation per segment gives exact thresholds.
        """
        qid = question.id
        touched = self.by_input.get(qid, ())
        bounds = self._without(state, touched)
        if not touched or self._cannot_flip(state, qid, bounds):
            return []
        value = int(state.answers[qid])
        starts = [question.minimum or 0, *self._breakpoints(state, question)]
        here = max(i for i, s in enumerate(starts) if s <= value)
        flips: list[dict[str, Any]] = []
        previous = state.recommendation
        for start in starts[here + 1 :]:
            rec = self._rescore(state, qid, start, touched, bounds[0], bounds[1])
            if rec != previous:
                flips.append(_flip(qid, start, rec, "at_least"))
                previous = rec
        previous = state.recommendation
        for i in range(here - 1, -1, -1):
            rec = self._rescore(state, qid, starts[i], touched, bounds[0], bounds[1])
            if rec != previous:
                flips.append(_flip(qid, starts[i + 1] - 1, rec, "at_most"))
                previous = rec
        return flips

    # ------------------------------------------------------------------ result

    def assess(self, data: object) -> Result:
        """Validate ``data`` and assess it; raise ``AnswersError`` for bad answers."""
        return self.assess_valid(validate_answers(data))

    def assess_valid(self, answers: Answers) -> Result:
        """Assess answers that already passed ``validate_answers``."""
        answers = dict(answers)  # flips vary answers in place; never touch the caller's dict
        mult = self._multipliers(answers)
        raws = [rule.raw(answers) for rule in self.rules]
        effective = [
            0 if raw is None else int(raw * mult[rule.area] * MILLI + _HALF)  # _thousandths
            for rule, raw in zip(self.rules, raws, strict=True)
        ]
        open_score = closed_score = self.prior
        for rule, weight in zip(self.rules, effective, strict=True):
            if rule.side > 0:
                open_score += weight
            elif rule.side < 0:
                closed_score += weight
        forced = self._forced_open(answers)
        recommendation = self._decide(open_score, closed_score, forced)
        unforced = self._decide(open_score, closed_score, False)
        state = _State(
            answers, mult, raws, effective, open_score, closed_score, forced, recommendation
        )
        rationale = self._rationale(answers, raws, effective)
        return {
            "recommendation": recommendation,
            "confidence": self._confidence(open_score, closed_score, recommendation),
            "scores": {"open": open_score / MILLI, "closed": closed_score / MILLI},
            "rationale": rationale,
            "cautions": self._cautions(answers, recommendation, unforced),
            "flips": self._flips(state),
            "hybrid_split": (
                self._hybrid_split(answers, open_score >= closed_score)
                if recommendation == "hybrid"
                else None
            ),
            "ruleset": {"version": self.loaded.ruleset.version, "sha256": self.loaded.sha256},
            "summary": self._summary(recommendation, rationale),
            "constraints": self._constraints(answers),
            "areas": self._areas(effective, mult),
            "next_steps": self._advice(self.next_steps, answers, recommendation),
            "tokens_per_month": tokens_per_month(answers),
        }

    def _rationale(
        self, answers: Answers, raws: list[float | None], effective: list[int]
    ) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        tokens_words = tokens_per_month_words(tokens_per_month(answers))
        for rule, raw, eff in zip(self.rules, raws, effective, strict=True):
            if raw is None:
                continue
            spec = rule.rule
            question = spec.question or DERIVED_QUANTITIES[spec.quantity or ""][0]
            text = spec.explanations.get(str(answers[question]), spec.explanation)
            if rule.templated:
                text = text.format(tokens_per_month=tokens_words)
            entries.append(
                {
                    "rule": spec.id,
                    "question": question,
                    "answer": answers[question],
                    "area": spec.area,
                    "favours": spec.favours,
                    "weight": eff / MILLI,
                    "label": spec.label,
                    "explanation": text,
                }
            )
        entries.sort(key=lambda e: -e["weight"])  # stable: ties keep ruleset order
        return entries

    def _advice(self, group: _AdviceTable, answers: Answers, recommendation: str) -> list[str]:
        return [
            text
            for gates, text in group[recommendation]
            if all(answers[qid] in allowed for qid, allowed in gates)
        ]

    def _cautions(self, answers: Answers, recommendation: str, unforced: str) -> list[str]:
        cautions = []
        if recommendation != unforced:
            cautions.append(
                f"Judged on the other answers alone the result would be {unforced}; a hard "
                "constraint rules out a hosted model. Expect to invest in the self-hosted side "
                "and check that the constraint really applies."
            )
        cautions.extend(self._advice(self.cautions, answers, recommendation))
        return cautions

    def _constraints(self, answers: Answers) -> list[dict[str, str]]:
        return [
            {
                "id": hc.id,
                "question": hc.question,
                "answer": str(answers[hc.question]),
                "explanation": hc.explanation,
            }
            for hc in self.loaded.ruleset.hard_constraints
            if answers[hc.question] in hc.answers
        ]

    def _areas(self, effective: list[int], mult: list[float]) -> list[dict[str, Any]]:
        totals = [[0, 0] for _ in AREAS]
        for rule, eff in zip(self.rules, effective, strict=True):
            if rule.side:
                totals[rule.area][0 if rule.side > 0 else 1] += eff
        texts = self.loaded.ruleset.areas
        return [
            {
                "area": area,
                "label": texts[area].label,
                "open": totals[i][0] / MILLI,
                "closed": totals[i][1] / MILLI,
                "net": (totals[i][0] - totals[i][1]) / MILLI,
                "priority_multiplier": mult[i],
            }
            for i, area in enumerate(AREAS)
        ]

    def _hybrid_split(self, answers: Answers, open_primary: bool) -> dict[str, Any]:
        rs = self.loaded.ruleset
        sides: dict[str, list[str]] = {"open": [], "closed": []}
        for item in rs.split:
            if all(answers[g.question] in g.answers for g in item.when):
                sides[item.side].append(item.text)
        return {
            "primary": "open" if open_primary else "closed",
            "open": sides["open"] or [rs.hybrid.default_open],
            "closed": sides["closed"] or [rs.hybrid.default_closed],
            "fallback": (
                rs.hybrid.fallback_open_primary
                if open_primary
                else rs.hybrid.fallback_closed_primary
            ),
            "routing": rs.hybrid.routing,
        }

    def _summary(self, recommendation: str, rationale: list[dict[str, Any]]) -> str:
        def top(side: str) -> str:
            labels: list[str] = [e["label"] for e in rationale if e["favours"] == side][:3]
            if len(labels) > 1:
                return ", ".join(labels[:-1]) + " and " + labels[-1]
            return labels[0] if labels else ""

        text = self.loaded.ruleset.summaries[recommendation]  # type: ignore[index]
        reasons = {side: top(side) for side in ("open", "closed")}
        if recommendation == "hybrid":
            parts = [
                f"{side} is favoured by {reasons[side]}"
                for side in ("open", "closed")
                if reasons[side]
            ]
            if not parts:
                return text
            reasons_text = "; ".join(parts)
            return f"{text} {reasons_text[0].upper()}{reasons_text[1:]}."
        if reasons[recommendation]:
            text += f" What weighed most: {reasons[recommendation]}."
        other = "closed" if recommendation == "open" else "open"
        if reasons[other]:
            text += f" Against it: {reasons[other]}."
        return text


def _max_raw(rule: Rule, scales: Mapping[str, Mapping[str, float]]) -> float:
    weights = list((rule.weights or {}).values()) + [t.weight for t in rule.tiers or ()]
    bound = max(weights, default=0.0)
    for name in rule.scale_by:
        bound *= max(scales[name].values(), default=0.0)
    return bound


def compile_ruleset(loaded: LoadedRuleset) -> Engine:
    rs = loaded.ruleset
    compiled: list[_Rule] = []
    for index, rule in enumerate(rs.rules):
        compiled.append(
            _Rule(
                index=index,
                rule=rule,
                area=AREAS.index(rule.area),
                side={"open": 1, "closed": -1, "neutral": 0}[rule.favours],
                question=rule.question,
                weights=dict(rule.weights) if rule.weights is not None else None,
                quantity=_QUANTITIES[rule.quantity] if rule.quantity else None,
                tiers=tuple((t.at_least, t.weight) for t in rule.tiers or ()),
                gates=tuple((g.question, frozenset(g.answers)) for g in rule.when),
                scales=tuple((name, rs.scales[name]) for name in rule.scale_by),
                max_raw=_max_raw(rule, rs.scales),
                simple=rule.weights is not None and not rule.when and not rule.scale_by,
                templated="{" in rule.explanation
                or any("{" in text for text in rule.explanations.values()),
            )
        )
    by_input: dict[str, list[_Rule]] = {}
    for rule_c in compiled:
        inputs = [g for g, _ in rule_c.gates] + [name for name, _ in rule_c.scales]
        if rule_c.question:
            inputs.append(rule_c.question)
        if rule_c.rule.quantity:
            inputs.extend(DERIVED_QUANTITIES[rule_c.rule.quantity])
        for qid in dict.fromkeys(inputs):
            by_input.setdefault(qid, []).append(rule_c)
    priority_areas: dict[str, set[int]] = {}
    for area, qid in rs.priorities.areas.items():
        priority_areas.setdefault(qid, set()).add(AREAS.index(area))
    scale = {int(k): v for k, v in rs.priorities.scale.items()}
    constraints: dict[str, set[str]] = {}
    for hc in rs.hard_constraints:
        constraints.setdefault(hc.question, set()).update(hc.answers)
    priority_max = max(scale.values())
    priority_rules = {
        q: tuple(r for r in compiled if r.area in areas and r.side)
        for q, areas in priority_areas.items()
    }
    flip_plan = []
    for question in questions().values():
        if question.kind == "text":
            continue
        rules = priority_rules.get(question.id) or by_input.get(question.id, [])
        flip_plan.append(
            (
                question,
                sum(_thousandths(r.max_raw * priority_max) for r in rules if r.side > 0),
                sum(_thousandths(r.max_raw * priority_max) for r in rules if r.side < 0),
                question.id in constraints,
            )
        )
    return Engine(
        loaded=loaded,
        rules=tuple(compiled),
        # Neutral rules never move a score, so the flip searches need not see them.
        by_input={q: tuple(r for r in rs_ if r.side) for q, rs_ in by_input.items()},
        area_priority=tuple(rs.priorities.areas[a] for a in AREAS),
        priority_scale=scale,
        priority_rules=priority_rules,
        priority_min=min(scale.values()),
        priority_max=priority_max,
        flip_plan=tuple(flip_plan),
        cautions=_advice_table(rs.cautions),
        next_steps=_advice_table(rs.next_steps),
        constraint_answers={q: frozenset(v) for q, v in constraints.items()},
        prior=_thousandths(rs.decision.prior),
        open_ratio=rs.decision.open_ratio,
        closed_ratio=rs.decision.closed_ratio,
    )


@cache
def default_engine() -> Engine:
    return compile_ruleset(default_ruleset())


def assess(data: object, *, engine: Engine | None = None) -> Result:
    """Validate and assess one answers object with the default (or a given) ruleset."""
    return (engine or default_engine()).assess(data)
