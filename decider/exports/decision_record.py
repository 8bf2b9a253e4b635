"""An assessment as an architecture decision record, in the MADR 4 layout (Markdown).

Built from the answers and the engine's result only, so the same record comes out of the web
page, a test or a script. Every sentence here is ours or the ruleset's; the user's own text
(title, use case, names) is placed where MADR expects it and kept on its own lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date as Date
from datetime import timedelta
from typing import Any

from decider.assessments.presenters import REC_WORDS, answer_words, flip_sentence
from decider.engine import default_engine
from decider.engine.labels import labels

OPTIONS = ("open", "closed", "hybrid")

# What each option means, in our words: the headline and one line of description.
OPTION_TITLES = {
    "open": "Self-hosted open model",
    "closed": "Hosted closed model",
    "hybrid": "Hybrid of both",
}
OPTION_DESCRIPTIONS = {
    "open": (
        "Run an open or open-weight model on infrastructure we control (our own cloud "
        "account, data centre or a private host), so we pick the model version, where the "
        "data goes and how the stack is tuned."
    ),
    "closed": (
        "Call a proprietary model through a provider's API; the provider runs, scales and "
        "updates it, and we pay per use under its terms."
    ),
    "hybrid": (
        "Route each part of the workload to the side that suits it, behind one gateway, with "
        "each side able to stand in for the other when it fails."
    ),
}
# Used only when no rule in this assessment argued for or against an option.
GENERIC_GOOD = {
    "open": "we choose the model version and keep prompts and outputs inside our boundary",
    "closed": "a provider runs, scales and secures the model, so we can ship quickly",
    "hybrid": "each part of the workload can go to the side that serves it best",
}
GENERIC_BAD = {
    "open": "we carry the hardware, operations, security and evaluation work ourselves",
    "closed": "prices, limits, terms and model versions change on the provider's schedule",
    "hybrid": "two stacks, a routing layer and evaluations for both have to be kept running",
}

# The answers that set the scene, in the order a reader wants them.
CONTEXT_FACTS = (
    "stage",
    "task_kind",
    "capability_need",
    "latency_need",
    "data_sensitivity",
    "data_residency",
    "vendor_terms_ok",
    "decision_risk",
    "business_criticality",
    "uptime_need",
    "customisation_need",
    "vendor_dependency_tolerance",
    "skill_infrastructure",
    "gpu_access",
)
TOP_DRIVERS = 5
MAX_BULLETS = 5
REASSESS_AFTER = timedelta(days=182)  # about six months: the model market moves that fast


def decision_record(
    *,
    title: str,
    answers: Mapping[str, Any],
    result: Mapping[str, Any],
    status: str,
    date: Date,
    decision_makers: list[str],
    ruleset_version: str,
    ruleset_sha256: str,
) -> str:
    """The assessment as MADR 4 Markdown: front matter, then the record's sections."""
    chosen = str(result["recommendation"])
    rationale: list[Mapping[str, Any]] = list(result["rationale"])
    parts = [
        _front_matter(status=status, date=date, decision_makers=decision_makers),
        f"# {_one_line(title) or 'Untitled assessment'}",
        _context(answers, result),
        _drivers(rationale),
        _options(),
        _outcome(chosen, answers, result, rationale, date),
        _pros_and_cons(chosen, result, rationale),
        _more_information(ruleset_version, ruleset_sha256, date),
    ]
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------- sections


def _front_matter(*, status: str, date: Date, decision_makers: list[str]) -> str:
    # JSON strings and arrays are valid YAML, and quoting keeps names like "no" or "a: b" intact.
    makers = json.dumps([_one_line(m) for m in decision_makers], ensure_ascii=False)
    return "\n".join(
        [
            "---",
            f"status: {json.dumps(status)}",
            f"date: {date.isoformat()}",
            f"decision-makers: {makers}",
            "---",
        ]
    )


def _context(answers: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    lines = ["## Context and Problem Statement", ""]
    use_case = str(answers.get("use_case") or "").strip()
    if use_case:
        lines.append("The AI feature under consideration:")
        lines.append("")
        lines.extend(f"> {line}".rstrip() for line in use_case.splitlines())
    else:
        lines.append("The use case was not described.")
    lines += [
        "",
        "Should it run on a self-hosted open model, a hosted closed model, or a mix of the two? "
        "The facts that frame the question, as answered in the assessment:",
        "",
    ]
    for qid in CONTEXT_FACTS:
        if qid in answers:
            label = _label(qid)
            joint = " " if label.endswith("?") else ": "
            lines.append(f"- {label}{joint}{answer_words(qid, answers[qid])}")
    tokens = result.get("tokens_per_month")
    if tokens is not None:
        lines.append(
            f"- Expected volume: {answer_words('monthly_requests', answers['monthly_requests'])} "
            f"of about {answer_words('tokens_per_request', answers['tokens_per_request'])} each"
        )
    for constraint in result.get("constraints") or []:
        lines.append(f"- Hard constraint: {constraint['explanation']}")
    return "\n".join(lines)


def _drivers(rationale: list[Mapping[str, Any]]) -> str:
    lines = ["## Decision Drivers", ""]
    weighed = sorted(rationale, key=lambda e: -float(e["weight"]))[:TOP_DRIVERS]
    if not weighed:
        lines.append("- No rule weighed on this decision; it rests on the starting balance.")
    for entry in weighed:
        lines.append(f"- {_capital(entry['label'])} ({_area(entry)}; {_leaning(entry)})")
    return "\n".join(lines)


def _options() -> str:
    lines = ["## Considered Options", ""]
    lines += [f"- {OPTION_TITLES[o]}: {OPTION_DESCRIPTIONS[o]}" for o in OPTIONS]
    return "\n".join(lines)


def _outcome(
    chosen: str,
    answers: Mapping[str, Any],
    result: Mapping[str, Any],
    rationale: list[Mapping[str, Any]],
    date: Date,
) -> str:
    confidence = round(100 * float(result.get("confidence") or 0))
    reasons = _join([e["label"] for e in _favouring(rationale, chosen)][:3])
    because = f"{reasons} weighed most" if reasons else "the balance of the answers points there"
    lines = [
        "## Decision Outcome",
        "",
        f'Chosen option: "{OPTION_TITLES[chosen]}", because {because} (confidence {confidence}%).',
        "",
        str(result.get("summary") or "").strip(),
    ]
    for constraint in result.get("constraints") or []:
        lines += ["", f"A hard constraint applies: {constraint['explanation']}"]
    lines += ["", "### Consequences", ""]
    good = [f"Good, because {_reason(e)}" for e in _favouring(rationale, chosen)][:MAX_BULLETS]
    if chosen == "hybrid" and result.get("hybrid_split"):
        good.append(f"Good, because {_lower(result['hybrid_split']['fallback'])}")
    if not good:
        good = [f"Good, because {GENERIC_GOOD[chosen]}."]
    bad = [f"Bad, because {_reason(e)}" for e in _against(rationale, chosen)][:MAX_BULLETS]
    bad += [f"Bad, because we must watch this: {_lower(c)}" for c in result.get("cautions") or []]
    if not bad:
        bad = [f"Bad, because {GENERIC_BAD[chosen]}."]
    lines += [f"- {text}" for text in good + bad]
    lines += ["", "### Confirmation", ""]
    steps = list(result.get("next_steps") or [])
    if steps:
        lines += ["Confirm the decision by measuring what these steps produce:", ""]
        lines += [f"- {step}" for step in steps]
        lines.append("")
    lines.append(
        f"Reassess by {(date + REASSESS_AFTER).isoformat()}, or sooner if any of these "
        "answers changes:"
    )
    lines.append("")
    flips = list(result.get("flips") or [])
    if flips:
        lines += [f"- {flip_sentence(dict(flip), dict(answers))}" for flip in flips]
    else:
        lines.append(
            "- No single changed answer would alter the recommendation; reassess when "
            "several facts move at once (volume, data rules, team skills or the model market)."
        )
    return "\n".join(lines)


def _pros_and_cons(
    chosen: str, result: Mapping[str, Any], rationale: list[Mapping[str, Any]]
) -> str:
    lines = ["## Pros and Cons of the Options"]
    for option in ("open", "closed"):
        good = [f"Good, because {_reason(e)}" for e in _favouring(rationale, option)]
        bad = [f"Bad, because {_reason(e)}" for e in _against(rationale, option)]
        lines += ["", f"### {OPTION_TITLES[option]}", "", OPTION_DESCRIPTIONS[option], ""]
        lines += _bullets(option, good[:MAX_BULLETS], bad[:MAX_BULLETS])
    lines += ["", f"### {OPTION_TITLES['hybrid']}", "", OPTION_DESCRIPTIONS["hybrid"], ""]
    split = result.get("hybrid_split")
    good = []
    for side in ("open", "closed"):
        top = _favouring(rationale, side)
        if top:
            good.append(
                f"Good, because the {side} side can answer {top[0]['label']} ({_area(top[0])})."
            )
    bad = [f"Bad, because {GENERIC_BAD['hybrid']}."]
    if chosen != "hybrid":
        bad.append(
            f"Bad, because the answers favour one side clearly enough here "
            f"({REC_WORDS[chosen].lower()}) that the extra running cost buys little."
        )
    lines += _bullets("hybrid", good, bad)
    if split:
        lines += ["", f"The split, with the {split['primary']} side primary:", ""]
        lines += [f"- Open side: {_lower(text)}" for text in split["open"]]
        lines += [f"- Closed side: {_lower(text)}" for text in split["closed"]]
        lines.append(f"- Fallback: {_lower(split['fallback'])}")
        lines.append(f"- Routing: {_lower(split['routing'])}")
    return "\n".join(lines)


def _more_information(version: str, sha256: str, date: Date) -> str:
    return "\n".join(
        [
            "## More Information",
            "",
            f"- Assessed on {date.isoformat()} with Decider.",
            f"- Ruleset version: {version}",
            f"- Ruleset SHA-256: `{sha256}`",
            "- The same answers with the same ruleset version give the same result, so this "
            "record can be checked by assessing the answers again.",
        ]
    )


# ---------------------------------------------------------------------- helpers


def _bullets(option: str, good: list[str], bad: list[str]) -> list[str]:
    good = good or [f"Good, because {GENERIC_GOOD[option]}."]
    bad = bad or [f"Bad, because {GENERIC_BAD[option]}."]
    return [f"- {text}" for text in good + bad]


def _favouring(rationale: Iterable[Mapping[str, Any]], option: str) -> list[Mapping[str, Any]]:
    if option == "hybrid":
        # A split serves the strongest arguments of both sides.
        return [e for e in rationale if e["favours"] in ("open", "closed")]
    return [e for e in rationale if e["favours"] == option]


def _against(rationale: Iterable[Mapping[str, Any]], option: str) -> list[Mapping[str, Any]]:
    if option == "hybrid":
        return []
    other = "closed" if option == "open" else "open"
    return [e for e in rationale if e["favours"] == other]


def _reason(entry: Mapping[str, Any]) -> str:
    return f"of {entry['label']} ({_area(entry)}): {entry['explanation']}"


def _area(entry: Mapping[str, Any]) -> str:
    areas = default_engine().loaded.ruleset.areas
    area = areas.get(entry["area"])
    return area.label.lower() if area else str(entry["area"]).replace("_", " ")


def _leaning(entry: Mapping[str, Any]) -> str:
    if entry["favours"] == "open":
        return "points towards a self-hosted open model"
    if entry["favours"] == "closed":
        return "points towards a hosted closed model"
    return "matters whichever way we go"


def _label(qid: str) -> str:
    return labels().question(qid).label


def _join(items: list[str]) -> str:
    if len(items) > 1:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return items[0] if items else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
