"""Small helpers for CLI output: JSON on stdout, aligned tables for people.

Text for people goes through :func:`terminal_text`: names, clients and descriptions are
whatever a spec (perhaps a client's file) says, and an escape sequence in them would reach
the terminal raw (recolour it, retitle the window, move the cursor over earlier lines, or
reorder text with bidi controls). JSON output is for programs and keeps values exactly.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

# Bidi controls (Cf): they reorder the text around them (Trojan Source); other Cf characters,
# such as the zero-width joiner inside emoji, are harmless and kept.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def terminal_text(value: object) -> str:
    """``str(value)`` with control characters shown as escapes (``\\x1b``, ``\\n``,
    ``\\u202e``) instead of acting on the terminal: C0/C1 controls, DEL, line/paragraph
    separators and bidi controls. Everything else, any script or emoji, is kept."""
    text = str(value)
    if text.isprintable():
        return text
    out: list[str] = []
    for ch in text:
        if ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_default) + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    cells = [[("" if c is None else terminal_text(c)) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line.rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"
