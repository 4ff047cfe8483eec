"""Prompt and reply texts. The author's text comes from the data file, never from code.

Keeping the system prompt, greeting and guidelines in ``assistant_data/assistant.json``
means a prompt edit leaves this module (and the Docker layer holding it) unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.data import load_assistant_data
from config import settings

_DATA = load_assistant_data()

SYSTEM_PROMPT: str = _DATA.personality.system_prompt
GREETING: str = _DATA.personality.greeting
TONE: str = _DATA.personality.tone
STYLE: str = _DATA.personality.style
GUIDELINES: tuple[str, ...] = _DATA.guidelines

_FORMAL = any(word in TONE.casefold() for word in ("formal", "professional", "polite", "courteous"))

if _FORMAL:
    FALLBACK_REPLY = (
        "I am sorry, I could not find a reliable answer to that. "
        f"Would you like me to connect you with a member of the {settings.CLIENT} team?"
    )
    HANDOFF_REPLY = "Certainly. A member of our team will take over this conversation shortly."
    DECLINED_REPLY = "Of course. Is there anything else I can help you with?"
    THANKS_REPLY = "You are welcome. Is there anything else I can help you with?"
    SUGGESTION_REPLY = (
        "I am not certain I understood. Did you mean: \u201c{question}\u201d? "
        f"Reply yes for that answer, or no to be connected with the {settings.CLIENT} team."
    )
else:
    FALLBACK_REPLY = (
        "Sorry, I'm not sure about that one. "
        f"Would you like me to connect you with someone from the {settings.CLIENT} team? Just reply yes."
    )
    HANDOFF_REPLY = "Great, I'm passing this conversation to a person. Someone will join shortly."
    DECLINED_REPLY = "No problem! Anything else I can help with?"
    THANKS_REPLY = "You're welcome! Anything else I can help with?"
    SUGGESTION_REPLY = (
        "I'm not sure I got that. Did you mean \u201c{question}\u201d? "
        f"Reply yes for that answer, or no to talk to someone from the {settings.CLIENT} team."
    )


def build_system_prompt(passages: Sequence[tuple[str, str]]) -> str:
    """System prompt for the LLM: author's prompt, tone, guidelines, then retrieved passages."""
    parts = [SYSTEM_PROMPT.strip(), f"Tone: {TONE}. Style: {STYLE}."]
    if GUIDELINES:
        parts.append("Guidelines:\n" + "\n".join(f"- {g}" for g in GUIDELINES))
    if passages:
        context = "\n\n".join(f"[{i}] {title}\n{text}" for i, (title, text) in enumerate(passages, 1))
        parts.append("Answer from these knowledge-base passages when they are relevant:\n\n" + context)
    else:
        parts.append("No knowledge-base passage matched this question.")
    return "\n\n".join(p for p in parts if p)
