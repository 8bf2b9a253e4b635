"""Small helpers that turn numbers and ids into plain words."""

from __future__ import annotations

_SCALES = (
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
)


def approx_number(value: int) -> str:
    """``60_000_000`` -> ``"60 million"``; two significant figures are plenty for a reader."""
    for size, word in _SCALES:
        if value >= size:
            scaled = value / size
            text = f"{scaled:.0f}" if scaled >= 10 else f"{scaled:.1f}".removesuffix(".0")
            return f"{text} {word}"
    return str(value)


def tokens_per_month_words(tokens: int) -> str:
    """``60_000_000`` -> ``"about 60 million tokens a month"``."""
    if tokens == 0:
        return "no tokens a month"
    exact = tokens < 1_000
    return f"{'' if exact else 'about '}{approx_number(tokens)} tokens a month"


def humanise(value: str | int) -> str:
    """An answer id as words: ``core_product`` -> ``core product``."""
    return str(value).replace("_", " ")
