"""How a merged work's fields are chosen from its source records (pure).

Each field comes from the first source, in ``SOURCE_PRIORITY`` order, that gives it: the
arXiv API and snapshot describe an arXiv paper best, a profile page and a bare feed least.
The read side (``profile``) and the enrichment stage use the same choice.
"""

from __future__ import annotations

from typing import Any

from scholarscope.records import Work
from scholarscope.taxonomy import arxiv_key, badge_key

SOURCE_PRIORITY = (
    "arxiv_api",
    "arxiv_snapshot",
    "openalex",
    "semantic_scholar",
    "profile_page",
    "arxiv_feed",
)


# How pages and messages name a source (the keys above are the stored names). The
# templates' ``source_name`` macro (web/templates/macros.html) holds the same table.
SOURCE_NAMES = {
    "arxiv_api": "arXiv API",
    "arxiv_snapshot": "arXiv snapshot",
    "openalex": "OpenAlex",
    "semantic_scholar": "Semantic Scholar",
    "profile_page": "profile page",
    "arxiv_feed": "arXiv feed",
}


def source_name(source: str) -> str:
    """A source as a person reads it.

    >>> source_name("semantic_scholar"), source_name("profile_page"), source_name("bibtex")
    ('Semantic Scholar', 'profile page', 'bibtex')
    """
    return SOURCE_NAMES.get(source, source)


def source_rank(source: str) -> int:
    """Position of a source in ``SOURCE_PRIORITY`` (unknown sources last).

    >>> source_rank("arxiv_snapshot") < source_rank("profile_page")
    True
    """
    return SOURCE_PRIORITY.index(source) if source in SOURCE_PRIORITY else len(SOURCE_PRIORITY)


def by_priority(records: list[Work]) -> list[Work]:
    """The records of one work, best source first."""
    return sorted(records, key=lambda w: source_rank(w.source))


def first_value(records: list[Work], attribute: str) -> Any:
    """The attribute's value from the first record (in the given order) that has one.

    >>> first_value([Work(ids=(), source="a", origin="o"),
    ...              Work(ids=(), source="b", origin="o", title="T")], "title")
    'T'
    """
    for record in records:
        value = getattr(record, attribute)
        if value not in (None, "", ()):
            return value
    return None


def stated_field(record: Work) -> str | None:
    """The field key one record states (``taxonomy.py``): its arXiv primary category,
    else the first field it states, else (a page stored before pages stated keys) the
    key of its badge.

    >>> stated_field(Work(ids=(), source="arxiv_api", origin="o", primary_category="cs.CV"))
    'arxiv:cs.CV'
    """
    if record.primary_category:
        return arxiv_key(record.primary_category)
    if record.stated_fields:
        return record.stated_fields[0]
    return badge_key(record.field_badge) if record.field_badge else None


def first_stated_field(records: list[Work]) -> str | None:
    """The field key of the first record, in the given order, that states one."""
    return next((key for record in records if (key := stated_field(record))), None)


def stated_categories(records: list[Work]) -> tuple[str, ...]:
    """Every arXiv category the records list, in order, once."""
    return tuple(dict.fromkeys(c for record in records for c in record.categories))
