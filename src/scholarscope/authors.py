"""Author identity, the simple version: which stored person does a byline name?

The rules, in order (``pipeline`` applies them while ingesting):

1. **Source ids.** An author carrying an OpenAlex, Semantic Scholar or ORCID id is the
   stored person with that id, unless the two names are unrelated (``names_related``:
   sources do put one person's id on another's byline); then the byline is resolved by
   its name, as if it had no ids.
2. **Source context.** An author without ids is the person of the same folded name
   already seen in the same kind of source ("Shiming Ge" on two arXiv records is one
   person; the owner of a profile page is the same person on every block of that page).
3. **Shared work.** Otherwise, a person already linked to the same work by another
   source, whose name is compatible (same surname, compatible given names or initials:
   "S. Ge" ~ "Shiming Ge"), is the same person; but two different OpenAlex ids are never
   merged into one person.
4. Otherwise a new person.

Before all of these, a person's edit wins: a split pins the bylines of its works to the
person it chose (``pipeline/identity.py``), and a merge made every key of one person lead
to the other. Each authorship keeps the rule that placed it (``attribution_text``).
"""

from __future__ import annotations

from functools import lru_cache

from scholarscope.merged import source_name
from scholarscope.records import fold_text

# Kinds of source that name authors without ids, grouped by where names are comparable.
SOURCE_FAMILY = {
    "arxiv_feed": "arxiv",
    "arxiv_snapshot": "arxiv",
    "arxiv_api": "arxiv",
}


@lru_cache(maxsize=1 << 18)  # bylines repeat names; folding is the hot path of ingest
def folded_name(name: str) -> str:
    """A name as a comparison key; "Last, First" is turned round first.

    >>> folded_name("Bello, Abdulwahab"), folded_name("Zoë  Ó'Brien")
    ('abdulwahab bello', 'zoe obrien')
    """
    if name.count(",") == 1:
        last, first = name.split(",")
        name = f"{first} {last}"
    return fold_text(name)


def names_compatible(a: str, b: str) -> bool:
    """Could two folded names be the same person? Same surname, and each given name
    either equal or an initial of the other.

    >>> names_compatible("s ge", "shiming ge"), names_compatible("shiming ge", "shiming gu")
    (True, False)
    >>> names_compatible("s m ge", "shiming ge")
    False
    """
    if a == b:
        return True
    first_a, first_b = a.split(), b.split()
    if not first_a or not first_b or first_a[-1] != first_b[-1]:
        return False
    given_a, given_b = first_a[:-1], first_b[:-1]
    if len(given_a) != len(given_b):
        # "Shiming Ge" printed as "S. Ge": one initial may stand for all given names
        shorter, longer = sorted((given_a, given_b), key=len)
        return len(shorter) == 1 and len(shorter[0]) == 1 and longer[0].startswith(shorter[0])
    return all(same_given_name(x, y) for x, y in zip(given_a, given_b, strict=True))


def names_related(a: str, b: str) -> bool:
    """Could two folded names be forms of one person's name at all? A word of three or
    more letters of one occurs in the other's letters (spaces aside): "khalid alramadan"
    ~ "k al ramadan", "afifi m abdulkader" ~ "abdulkader m afifi". A source id whose
    person has an unrelated name ("robert m hazen" on Michael Stephenson's ORCID) is an
    error of that source, not evidence.

    >>> names_related("khalid alramadan", "k al ramadan"), names_related("kfupm", "m osman")
    (True, False)
    """
    if a == b:
        return True
    letters_a, letters_b = a.replace(" ", ""), b.replace(" ", "")
    return any(len(w) >= 3 and w in letters_b for w in a.split()) or any(
        len(w) >= 3 and w in letters_a for w in b.split()
    )


def same_given_name(x: str, y: str) -> bool:
    """Equal, or one is the other's initial: "s" ~ "shiming"."""
    return x == y or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))


@lru_cache(maxsize=1 << 18)
def name_key(source: str, name: str) -> str:
    """The key under which a source-context name is stored: ``name:<family>:<folded>``.

    >>> name_key("arxiv_snapshot", "Shiming Ge")
    'name:arxiv:shiming ge'
    """
    return f"name:{SOURCE_FAMILY.get(source, source)}:{folded_name(name)}"


SCHEME_NAMES = {
    "openalex": "OpenAlex id",
    "orcid": "ORCID",
    "s2": "Semantic Scholar id",
}


def attribution_text(rule: str | None, evidence: str | None) -> str:
    """Why an authorship is with its person, in words (rules: ``pipeline/resolve.py``).

    >>> attribution_text("key", "name:arxiv:shiming ge")
    "the name 'shiming ge' in arXiv records"
    >>> attribution_text("work", "profile_page")
    'a compatible name on the same paper in profile page records'
    >>> attribution_text("key", "orcid:0000-0002-8517-9411")
    'ORCID 0000-0002-8517-9411'
    >>> attribution_text("pin", "3")
    'identity edit 3 (split)'
    """
    evidence = evidence or ""
    if rule == "key" and evidence.startswith("name:"):
        _, family, name = evidence.split(":", 2)
        return f"the name '{name}' in {_family_name(family)} records"
    if rule == "key":
        scheme, _, value = evidence.partition(":")
        return f"{SCHEME_NAMES.get(scheme, scheme)} {value}"
    if rule == "work":
        return f"a compatible name on the same paper in {_family_name(evidence)} records"
    if rule == "unrelated-id":
        scheme, _, value = evidence.partition(":")
        return (
            f"the name as printed: its {SCHEME_NAMES.get(scheme, scheme)} {value} is "
            "another person's, of an unrelated name"
        )
    if rule == "pin":
        return f"identity edit {evidence} (split)"
    if rule == "undo":
        return f"moved back by identity edit {evidence} (undo)"
    return "placed before rules were recorded"


def _family_name(family: str) -> str:
    """A name key's family (``SOURCE_FAMILY``) or a source, as a page names it."""
    return "arXiv" if family == "arxiv" else source_name(family)


def id_scheme_of(key: str) -> str:
    """``'openalex:A5014657720'`` -> ``'openalex'``."""
    return key.split(":", 1)[0]
