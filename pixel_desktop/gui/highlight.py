"""Small regex syntax highlighting for the generated files (Python, YAML, Dockerfile, nginx).

A handful of rules per language is enough to make generated code readable in a preview;
a full lexer would be a dependency for little gain. ``DiffHighlighter`` colours a unified diff.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument


def _fmt(color: str, *, bold: bool = False, italic: bool = False, bg: str | None = None) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    if italic:
        fmt.setFontItalic(True)
    if bg:
        fmt.setBackground(QColor(bg))
    return fmt


KEYWORD = _fmt("#7b30d0", bold=True)
STRING = _fmt("#0a7d32")
COMMENT = _fmt("#6a737d", italic=True)
NUMBER = _fmt("#b35900")
NAME = _fmt("#005cc5")
DECORATOR = _fmt("#b31d28")

_PY_KEYWORDS = ["and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "False", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "None", "nonlocal", "not", "or", "pass", "raise", "return", "True", "try", "while", "with", "yield"]

Rule = tuple[re.Pattern[str], QTextCharFormat]

RULES: dict[str, list[Rule]] = {
    "python": [
        (re.compile(r"\b(?:" + "|".join(_PY_KEYWORDS) + r")\b"), KEYWORD),
        (re.compile(r"\b(?:def|class)\s+(\w+)"), NAME),
        (re.compile(r"^\s*@[\w.]+"), DECORATOR),
        (re.compile(r"\b\d+(?:\.\d+)?\b"), NUMBER),
        (re.compile(r"[rbfu]?\"(?:[^\"\\]|\\.)*\"|[rbfu]?'(?:[^'\\]|\\.)*'"), STRING),
        (re.compile(r"#.*$"), COMMENT),
    ],
    "yaml": [
        (re.compile(r"^\s*(?:- )?[\w.-]+(?=\s*:)"), NAME),
        (re.compile(r"\b\d+(?:\.\d+)?\b"), NUMBER),
        (re.compile(r"\b(?:true|false|null|yes|no)\b"), KEYWORD),
        (re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"), STRING),
        (re.compile(r"(?:^|\s)#.*$"), COMMENT),
    ],
    "dockerfile": [
        (
            re.compile(
                r"^\s*(?:FROM|RUN|CMD|LABEL|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ARG|"
                r"ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)\b",
                re.IGNORECASE,
            ),
            KEYWORD,
        ),
        (re.compile(r"--[\w-]+(?:=\S+)?"), NAME),
        (re.compile(r"\"(?:[^\"\\]|\\.)*\""), STRING),
        (re.compile(r"^\s*#.*$"), COMMENT),
    ],
    "nginx": [
        (re.compile(r"^\s*[a-z_]+"), KEYWORD),
        (re.compile(r"\$\w+"), NAME),
        (re.compile(r"\b\d+[kmsKM]?\b"), NUMBER),
        (re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"), STRING),
        (re.compile(r"#.*$"), COMMENT),
    ],
    "text": [],
}


def language_for(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith((".py", ".pyi")):
        return "python"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name == "dockerfile" or name.endswith(".dockerfile") or name.startswith("dockerfile."):
        return "dockerfile"
    if name.endswith(".conf") or "nginx" in name:
        return "nginx"
    if name.endswith(".toml") or name.endswith(".ini") or name.endswith(".cfg"):
        return "yaml"
    return "text"


class CodeHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, language: str = "text") -> None:
        super().__init__(document)
        self._rules = RULES.get(language, [])

    def set_language(self, language: str) -> None:
        self._rules = RULES.get(language, [])
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self._rules:
            for match in pattern.finditer(text):
                start, end = match.span(1) if match.groups() else match.span()
                self.setFormat(start, end - start, fmt)


class DiffHighlighter(QSyntaxHighlighter):
    ADDED = _fmt("#116329", bg="#e6ffec")
    REMOVED = _fmt("#82071e", bg="#ffebe9")
    HUNK = _fmt("#6639ba", bold=True)
    HEADER = _fmt("#24292f", bold=True)

    def highlightBlock(self, text: str) -> None:
        if text.startswith(("+++", "---")):
            fmt = self.HEADER
        elif text.startswith("+"):
            fmt = self.ADDED
        elif text.startswith("-"):
            fmt = self.REMOVED
        elif text.startswith("@@"):
            fmt = self.HUNK
        else:
            return
        self.setFormat(0, len(text), fmt)
