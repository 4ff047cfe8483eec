"""Text normalisation shared by rules and retrieval: tokens, light stemming, synonyms.

Paraphrased questions rarely reuse the FAQ's exact words ("delivery" vs "shipping",
"forgot" vs "reset"). A light suffix stemmer plus a small canonical-synonym table maps both
sides onto the same terms; it is applied identically to the index and to the query, so an
imperfect stem never causes a miss, only (rarely) a merge of two related words.
"""

from __future__ import annotations

import re
import unicodedata

WORD_RE = re.compile(r"\w+", re.UNICODE)

_STOPWORD_TEXT = """a about above after again all also am an and any are as at be been before being
    but by can could did do does doing done for from had has have having he her here hers
    him his how i i'm if in into is it its itself just me might more most must my myself
    no nor not now of off on once only or other our ours ourselves out over own please
    same shall she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what whats when where
    which while who whom why will with would you your yours yourself hi hello hey thanks
    thank ok okay s t d ll m re ve get got want need like know tell let take cant dont wont isnt arent didnt doesnt im ive id youre"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Each group maps onto its first word. Generic customer-support vocabulary, English only;
# other languages still match on exact (lower-cased) words.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("ship", "shipping", "shipment", "delivery", "deliver", "delivered", "dispatch", "postage", "courier", "arrive", "arrival", "parcel", "package"),
    ("reset", "forgot", "forget", "forgotten", "lost", "recover", "recovery", "remember"),
    ("password", "passcode", "passphrase", "pwd"),
    ("refund", "reimburse", "reimbursement", "repay", "repayment", "money"),
    ("cancel", "cancellation", "abort"),
    ("invoice", "receipt", "bill", "billing"),
    ("pay", "payment", "paying", "paid"),
    ("cost", "fee", "fees", "price", "charge", "charged"),
    ("email", "mail", "mailbox"),
    ("delete", "remove", "erase", "deactivate", "close"),
    ("change", "update", "modify", "edit", "alter", "switch"),
    ("order", "purchase", "bought", "buy"),
    ("discount", "coupon", "promo", "promotion", "voucher"),
    ("damage", "damaged", "broken", "defect", "defective", "faulty", "cracked", "smashed"),
    ("track", "tracking", "trace", "locate", "follow", "whereabouts"),
    ("international", "abroad", "overseas", "foreign", "worldwide", "country", "countries"),
    ("exchange", "swap"),
    ("decline", "declined", "rejected", "refused", "fail", "failed", "bounce"),
    ("safe", "secure", "protected", "privacy", "private"),
    ("factor", "2fa", "mfa", "otp", "authenticator"),
    ("installment", "instalment", "installments", "instalments", "monthly", "financing"),
    ("hour", "hours", "open", "opening"),
    ("unsubscribe", "optout", "opt"),
    ("warranty", "guarantee"),
    ("sign", "login", "log", "signin"),
    ("support", "service", "helpdesk"),
    ("program", "programme", "scheme", "membership"),
    ("item", "product", "goods", "article"),
    ("gift", "present", "giftcard"),
    ("data", "information", "info"),
)


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching (NFKC + casefold)."""
    return unicodedata.normalize("NFKC", text).casefold()


def _undouble(stem: str) -> str:
    if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem


def stem(word: str) -> str:
    """A deliberately light English suffix stripper (plurals, -ing, -ed, -ly, -ment, final e)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ment", "ing", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if any(v in base for v in "aeiouy"):
                word = _undouble(base) if suffix in ("ing", "ed") else base
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _build_synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYM_GROUPS:
        canonical = stem(group[0])
        for word in group:
            table.setdefault(stem(word), canonical)
    return table


SYNONYMS = _build_synonyms()


# Multi-word expressions rewritten before tokenising ("send it back" means return).
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bsend(?:ing)?\s+(?:\w+\s+){0,2}back\b", "return"),
        (r"\bmoney\s+back\b", "refund"),
        (r"\b(?:log|sign)\s+(?:in|on)\b", "login"),
        (r"\btwo[\s-]+(?:factor|step)\b", "2fa"),
        (r"\be-mail\b", "email"),
        (r"\bopt(?:ing)?[\s-]+out\b", "unsubscribe"),
    )
)


def words(text: str) -> list[str]:
    folded = fold(text).replace("'", "").replace("\u2019", "")
    for pattern, replacement in PHRASES:
        folded = pattern.sub(replacement, folded)
    return WORD_RE.findall(folded)


def terms(text: str) -> list[str]:
    """Index/query terms: folded words minus stop words, stemmed, synonyms canonicalised."""
    out = []
    for word in words(text):
        if word in STOPWORDS:
            continue
        stemmed = stem(word)
        out.append(SYNONYMS.get(stemmed, stemmed))
    return out
