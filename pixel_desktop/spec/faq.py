"""Turning imported FAQ rows (CSV: one question per row) into FAQ entries with alternatives.

A spreadsheet has no place for a list in a cell, so people write every phrasing of a question
as its own row and repeat the answer. The answer is what identifies an entry: rows that share
one exactly become one entry, the first row's question is ``question`` and the others become
``questions``. Kept here, free of Qt, so every import path groups rows the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pixel_desktop.spec.model import phrasing_key


@dataclass
class FaqGrouping:
    rows: list[dict[str, Any]] = field(default_factory=list)
    read: int = 0  # rows given
    merged: int = 0  # rows whose question became an alternative phrasing of an earlier entry
    repeats: int = 0  # phrasings skipped because their entry already had them

    def summary(self) -> str:
        """One sentence for the user saying what the import did with their rows."""
        entries = len(self.rows)
        text = f"{self.read} row(s) became {entries} FAQ entr{'y' if entries == 1 else 'ies'}"
        details = []
        if self.merged:
            details.append(f"{self.merged} row(s) repeating an earlier answer became other phrasings of it")
        if self.repeats:
            details.append(
                f"{self.repeats} phrasing(s) already in their entry (ignoring case and spacing) were skipped"
            )
        return text + (f"; {'; '.join(details)}" if details else "") + "."


def group_by_answer(rows: Iterable[Mapping[str, Any]]) -> FaqGrouping:
    """Merge rows with the same answer into one entry, in the order the answers first appear.

    A row without a question or without an answer is kept on its own, unmerged, so the spec
    check points at that very row instead of hiding it inside another entry. A phrasing the
    entry already has (the same question by the spec's own rule: case and spacing aside) adds
    nothing and would only make the entry invalid, so it is skipped and counted.
    """
    result = FaqGrouping()
    by_answer: dict[str, dict[str, Any]] = {}
    known: dict[str, set[str]] = {}
    for source in rows:
        result.read += 1
        row = dict(source)
        question = row.get("question") or ""
        answer = row.get("answer") or ""
        alternatives = [p for p in row.get("questions") or [] if isinstance(p, str)]
        if not (isinstance(question, str) and question.strip() and isinstance(answer, str) and answer.strip()):
            result.rows.append(row)
            continue
        entry = by_answer.get(answer)
        if entry is None:
            row["questions"] = []
            entry = by_answer[answer] = row
            seen = known[answer] = {phrasing_key(question)}
            result.rows.append(entry)
        else:
            seen = known[answer]
            alternatives = [question, *alternatives]
            if phrasing_key(question) not in seen:
                result.merged += 1
        for text in alternatives:
            key = phrasing_key(text)
            if key in seen:
                result.repeats += 1
                continue
            seen.add(key)
            entry["questions"].append(text)
    return result
