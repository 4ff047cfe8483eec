"""Business rules: the first rule whose words/phrases or regex match decides the reply.

Word/phrase rules match case-insensitively on word boundaries ("cost" matches "the cost?"
but not "costume"), with any run of whitespace between the words of a phrase. Regex rules are
matched case-insensitively too, so `acm-123456` and `ACM-123456` behave the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.data import Rule
from assistant.text import fold


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    pattern: re.Pattern[str]


def _phrase_pattern(phrase: str) -> str:
    parts = [re.escape(part) for part in fold(phrase).split()]
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


def compile_rule(rule: Rule) -> CompiledRule:
    if rule.regex is not None:
        return CompiledRule(rule, re.compile(rule.regex, re.IGNORECASE))
    alternatives = [_phrase_pattern(m) for m in rule.match if m.strip()]
    if not alternatives:  # a rule of only blanks can never match
        return CompiledRule(rule, re.compile(r"(?!x)x"))
    return CompiledRule(rule, re.compile("|".join(alternatives), re.IGNORECASE))


class RuleBook:
    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self._rules = [compile_rule(r) for r in rules]

    def first_match(self, message: str) -> Rule | None:
        folded = fold(message)
        for compiled in self._rules:
            target = message if compiled.rule.regex is not None else folded
            if compiled.pattern.search(target):
                return compiled.rule
        return None
