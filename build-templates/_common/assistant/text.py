"""Text normalisation shared by rules and lexical retrieval: folding, words, stemmed terms.

Why only general tools: a synonym table written for one FAQ reads as understanding in a demo
of that FAQ and fails on the next client's (and it merged words that differ, such as "close"
and "delete"). Meaning across different words is the embedding model's job
(assistant.embedding); the lexical side keeps to what holds for any English text: Unicode
folding, the Snowball English stemmer and Snowball's published English stop-word list.
Words of other languages still match exactly (lower-cased, accent-insensitive).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

WORD_RE = re.compile(r"\w+", re.UNICODE)

# Snowball's English stop-word list (snowballstem.org/algorithms/english/stop.txt), with the
# apostrophes dropped the way words() drops them; contractions that would then read as other
# words (we'll -> well, she'll -> shell, I'll -> ill, we'd -> wed) are left out. General
# English, not fitted to any data.
_STOPWORD_TEXT = """i me my myself we our ours ourselves you your yours yourself yourselves
    he him his himself she her hers herself it its itself they them their theirs themselves
    what which who whom this that these those am is are was were be been being have has had
    having do does did doing would should could ought im youre hes shes theyre ive
    youve weve theyve youd theyd youll theyll isnt arent
    wasnt werent hasnt havent hadnt doesnt dont didnt wont wouldnt shant shouldnt cant cannot
    couldnt mustnt lets thats whos whats heres theres whens wheres whys hows a an the and but
    if or because as until while of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then once
    here there when where why how all any both each few more most other some such no nor not
    only own same so than too very"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_STEMMER = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching (NFKC + casefold)."""
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    """Folded words; apostrophes inside words are dropped ("don't" -> "dont")."""
    return WORD_RE.findall(fold(text).replace("'", "").replace("\u2019", ""))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem; other scripts and numbers pass through."""
    if not word.isascii() or not word.isalpha():
        return word
    return _STEMMER.stemWord(word)


def terms(text: str) -> list[str]:
    """Index/query terms: folded words minus stop words, stemmed."""
    return [stem(word) for word in words(text) if word not in STOPWORDS]
