"""Business rules: the first rule whose words/phrases or regex match decides the reply.

Word/phrase rules match case-insensitively on word boundaries ("cost" matches "the cost?"
but not "costume"), with any run of whitespace between the words of a phrase. Regex rules are
matched case-insensitively too, so `acm-123456` and `ACM-123456` behave the same.

Regex rules are written by people, and a pattern like ``^(a|aa)+$`` backtracks for ages on
a crafted message. Python's ``re`` cannot be interrupted, so one such /chat request would pin
a worker. Regex rules therefore run on the ``regex`` package, release the GIL while matching,
only see the first ``REGEX_MAX_CHARS`` characters, and each has its own time budget per
message (``REGEX_BUDGET_S``). The budget is per rule, not shared: with a shared budget one
slow rule used it all up and every later regex rule was skipped without a sign. A rule that
runs out of time counts as "no match" (the next rules still run), is logged with its name,
and is reported through ``on_timeout`` (the service counts it in /metrics, by rule).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from assistant.data import Rule
from assistant.text import fold

LOG = logging.getLogger(__name__)
REGEX_MAX_CHARS = 1000
# Time budget of each regex rule for one message (the regex engine checks the clock
# periodically, so a runaway pattern can overshoot by a fraction of a second, never more).
# A message costs at most this times the number of regex rules.
REGEX_BUDGET_S = 0.1


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    pattern: Any  # re.Pattern for phrase rules, regex.Pattern for regex rules


def _phrase_pattern(phrase: str) -> str:
    parts = [re.escape(part) for part in fold(phrase).split()]
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


def compile_rule(rule: Rule) -> CompiledRule:
    if rule.regex is not None:
        return CompiledRule(rule, regex.compile(rule.regex, regex.IGNORECASE | regex.VERSION0))
    alternatives = [_phrase_pattern(m) for m in rule.match if m.strip()]
    if not alternatives:  # a rule of only blanks can never match
        return CompiledRule(rule, re.compile(r"(?!x)x"))
    return CompiledRule(rule, re.compile("|".join(alternatives), re.IGNORECASE))


class RuleBook:
    def __init__(
        self,
        rules: tuple[Rule, ...],
        *,
        on_timeout: Callable[[str], None] | None = None,
        budget_s: float = REGEX_BUDGET_S,
    ) -> None:
        self._rules = [compile_rule(r) for r in rules]
        self._on_timeout = on_timeout
        self._budget_s = budget_s

    def first_match(self, message: str) -> Rule | None:
        folded = fold(message)
        head = message[:REGEX_MAX_CHARS]
        for compiled in self._rules:
            if compiled.rule.regex is None:
                if compiled.pattern.search(folded):
                    return compiled.rule
            elif self._regex_matches(compiled, head):
                return compiled.rule
        return None

    def _regex_matches(self, compiled: CompiledRule, text: str) -> bool:
        try:
            return compiled.pattern.search(text, timeout=self._budget_s, concurrent=True) is not None
        except TimeoutError:
            LOG.warning(
                "business rule %r: regex ran out of its %g s budget on a %d-character message; "
                "treated as no match, later rules still run", compiled.rule.name, self._budget_s, len(text),
            )
            if self._on_timeout is not None:
                self._on_timeout(compiled.rule.name)
            return False
