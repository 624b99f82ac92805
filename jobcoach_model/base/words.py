"""Counts in words that agree in number: "1 line", "2 lines", "1,024 cases"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with its noun, singular for exactly one ("1 line"), else plural ("0 lines",
    "1,024 lines"; ``plural`` for a noun that does not take an s)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
