"""The row a project list shows, in a module of its own.

Why apart from store/records.py: `pixel projects list` needs only this type, and the
records module builds a dozen frozen dataclasses at import (``dataclasses`` and
``inspect`` with them), a measurable part of the command's whole run.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class ProjectSummary(NamedTuple):
    """A project as a list shows it (the project tree, `pixel projects list`): the fields of
    :class:`ProjectRecord` a list uses, without the spec, which a list never reads.
    ``faq_entries`` is filled only when the list query was asked for it (else None).

    A NamedTuple, not a frozen dataclass, because a list makes 10,000 of them and a
    dataclass's frozen ``__init__`` alone cost a third of the query's time.
    """

    id: int
    slug: str
    name: str
    client: str
    template: str
    version: int
    updated_at: datetime | None
    faq_entries: int | None = None
