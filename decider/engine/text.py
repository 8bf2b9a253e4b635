"""A short, readable plain-text rendering of a result, for terminals."""

from __future__ import annotations

import textwrap
from typing import Any

from .wording import humanise

WIDTH = 88


def _wrap(text: str, indent: str = "  ", bullet: str = "- ") -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=indent + bullet,
        subsequent_indent=indent + " " * len(bullet),
    )


def _flip_words(flip: dict[str, Any]) -> str:
    question = humanise(flip["question"])
    answer = flip["answer"]
    if flip["comparison"] == "at_least":
        change = f"{question} at least {answer:,}".replace(",", " ")
    elif flip["comparison"] == "at_most":
        change = f"{question} at most {answer:,}".replace(",", " ")
    else:
        change = f"{question} = {humanise(answer)}"
    return f"{change} -> {flip['recommendation']}"


def render_text(result: dict[str, Any], *, title: str | None = None) -> str:
    lines: list[str] = []
    if title:
        lines += [title, "=" * min(len(title), WIDTH)]
    rec = result["recommendation"]
    lines.append(
        f"Recommendation: {rec.upper()}  (confidence {round(result['confidence'] * 100)}%, "
        f"open {result['scores']['open']:g} vs closed {result['scores']['closed']:g})"
    )
    lines += textwrap.wrap(result["summary"], width=WIDTH)
    for constraint in result.get("constraints", []):
        lines += _wrap(constraint["explanation"], indent="", bullet="! ")
    lines += ["", "Why (strongest reasons first):"]
    for entry in result["rationale"][:8]:
        sign = {"open": "+open  ", "closed": "+closed", "neutral": " neutral"}[entry["favours"]]
        lines.append(f"  {sign} {entry['weight']:>5.2f}  {entry['area']:<13} {entry['label']}")
    if len(result["rationale"]) > 8:
        lines.append(
            f"  ... and {len(result['rationale']) - 8} smaller reasons (see --format json)"
        )
    if result["hybrid_split"]:
        split = result["hybrid_split"]
        lines += ["", f"Hybrid split ({split['primary']} is primary):"]
        for side in ("open", "closed"):
            for item in split[side]:
                lines += _wrap(f"{side}: {item}")
        lines += _wrap(f"fallback: {split['fallback']}")
    lines += ["", "What to watch:"]
    for caution in result["cautions"]:
        lines += _wrap(caution)
    lines += ["", "What would change the answer:"]
    if result["flips"]:
        lines += [f"  - {_flip_words(flip)}" for flip in result["flips"]]
    else:
        lines.append("  - no single answer change would change it")
    ruleset = result["ruleset"]
    lines += ["", f"Ruleset {ruleset['version']} (sha256 {ruleset['sha256'][:12]})"]
    return "\n".join(lines)
