"""Small English text helpers shared by the pages and the press release."""

from __future__ import annotations


def ordinal(n: int) -> str:
    """8582 -> "8582nd", 11 -> "11th", 101 -> "101st"."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
