"""Suggested merges: pairs of stored people who are probably one person, best first, each
with the reasons a curator would weigh (``scholarscope identity suggest``).

Candidates are pairs whose names could be one person's: compatible forms ("S. Ge" and
"Shiming Ge", ``authors.names_compatible``), or the same given names with a surname that
differs by one letter or has letters glued on ("Kexin Baoa", "Alan Turingyear": page and
PDF extraction errors). A name alone never makes a suggestion; the evidence does:

- **shared co-authors** (folded names, over works of at most 50 authors): each one
  multiplies the odds by 4, up to four;
- **the same paper, named by two sources or in two of its versions** (rule 3 of
  ``authors.py`` kept them apart, e.g. because the two sources' ids disagree; or a
  preprint and its article, ``versions.py``): odds × 20;
- **the same primary field** × 1.5, different ones × 0.7;
- **different ORCIDs** × 0.05, **different OpenAlex (or Semantic Scholar) ids** × 0.3:
  strong ids are strong evidence of two people, not proof (both have errors);
- two people **on one record's byline** are never suggested (co-authors of one paper),
  nor a pair a person already separated (a merge undone, or a split).

The starting odds come from the name: the same folded name 0.35 : 0.65, a compatible
form 0.2 : 0.8, a letter off or glued 0.15 : 0.85. The score is odds / (1 + odds); pairs
scoring under ``MIN_SCORE`` are not listed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import combinations

from scholarscope.authors import id_scheme_of, names_compatible, same_given_name
from scholarscope.store import Store
from scholarscope.taxonomy import field_label

MIN_SCORE = 0.5
MAX_BUCKET = 400  # people in one name bucket compared pairwise ("wang y" in a big corpus)
PRIOR = {
    "same name": 0.35,
    "compatible name": 0.2,
    "same letters": 0.2,
    "transliteration": 0.15,
    "name a letter off": 0.15,
}
STRONG_IDS = {"orcid": 0.05, "openalex": 0.3, "s2": 0.3}


@dataclass(frozen=True)
class Suggestion:
    """Two people who are probably one, as ``identity suggest --json`` prints it: the one
    with more works first."""

    authors: list[str]
    source_ids: list[list[str]]
    names: list[str]
    score: float
    reasons: list[str]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def one_letter_apart(a: str, b: str) -> bool:
    """One substitution, insertion or deletion apart.

    >>> one_letter_apart("bao", "baoa"), one_letter_apart("zhang", "zhong")
    (True, True)
    >>> one_letter_apart("li", "liu")  # too short to tell a typo from another name
    False
    """
    if a == b or min(len(a), len(b)) < 3 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# Name particles that print glued or apart ("Al Ramadan", "Alramadan", "van der Berg").
PARTICLES = frozenset(("al", "el", "bin", "ibn", "abu", "van", "von", "de", "der", "den",
                       "da", "di", "du", "la", "le"))  # fmt: skip


def name_parts(folded: str) -> tuple[list[str], str]:
    """Given names and the surname, particles glued to the surname.

    >>> name_parts("khalid a al ramadan"), name_parts("ramadan")
    ((['khalid', 'a'], 'alramadan'), ([], 'ramadan'))
    """
    words = folded.split()
    if not words:
        return [], ""
    cut = len(words) - 1
    while cut > 1 and words[cut - 1] in PARTICLES:
        cut -= 1
    return words[:cut], "".join(words[cut:])


def _skeleton(word: str) -> str:
    return word[0] + "".join(c for c in word[1:] if c not in "aeiouyhw")


def name_relation(a: str, b: str) -> str | None:
    """How two folded names could be one person's (a key of ``PRIOR``), or None:
    ``compatible name`` (the same surname, particles glued or not; the first given names
    equal or one an initial of the other; a middle name or initial may be missing),
    ``same letters`` (spaces aside: "shu zhong shen" / "shuzhong shen"),
    ``transliteration`` (the same surname, first given names with the same consonants:
    "mohammad" / "mohammed"), ``name a letter off`` (compatible given names, a surname one
    letter off or with letters glued on: "Kexin Baoa", "Alan Turingyear").

    >>> name_relation("kexin bao", "kexin baoa"), name_relation("alan turingyear", "a turing")
    ('name a letter off', 'name a letter off')
    >>> name_relation("s ge", "shiming ge"), name_relation("shiming ge", "shiming gu")
    ('compatible name', None)
    >>> name_relation("michael h stephenson", "michael stephenson")
    'compatible name'
    >>> name_relation("khalid a al ramadan", "khalid alramadan")
    'compatible name'
    >>> name_relation("mohammad makkawi", "mohammed makkawi")
    'transliteration'
    """
    if a == b:
        return "same name"
    if names_compatible(a, b):
        return "compatible name"
    (given_a, last_a), (given_b, last_b) = name_parts(a), name_parts(b)
    if not given_a or not given_b:
        return None
    first_match = same_given_name(given_a[0], given_b[0])
    if last_a == last_b and first_match:
        shorter, longer = sorted((given_a[1:], given_b[1:]), key=len)
        rest = iter(longer)  # each remaining given name of one, in order, in the other
        if all(any(same_given_name(x, y) for y in rest) for x in shorter):
            return "compatible name"
    if a.replace(" ", "") == b.replace(" ", ""):
        return "same letters"
    if (
        last_a == last_b
        and min(len(given_a[0]), len(given_b[0])) >= 4
        and _skeleton(given_a[0]) == _skeleton(given_b[0])
    ):
        return "transliteration"
    if not first_match:
        return None
    short, long = sorted((last_a, last_b), key=len)
    glued = len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 5
    return "name a letter off" if glued or one_letter_apart(last_a, last_b) else None


def candidate_pairs(people: Iterable[tuple[int, str]]) -> set[tuple[int, int]]:
    """Pairs of (author_id, folded name) whose names ``name_relation`` relates: compared
    within buckets of the same surname and first initial, of the same letters, and of the
    same first given name and surname beginning."""
    buckets: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for author_id, folded in people:
        given, last = name_parts(folded)
        if not given:
            continue
        for key in (
            f"s:{last} {given[0][0]}",
            f"l:{folded.replace(' ', '')}",
            f"g:{given[0]}|{last[:3]}",
        ):
            buckets[key].append((author_id, folded))
    pairs = set()
    for group in buckets.values():
        for (a, name_a), (b, name_b) in combinations(group[:MAX_BUCKET], 2):
            if a != b and name_relation(name_a, name_b):
                pairs.add((min(a, b), max(a, b)))
    return pairs


def suggest_merges(store: Store, limit: int = 50) -> list[Suggestion]:
    """The ``limit`` best suggested merges of the store's people."""
    names = {int(a): (name, folded) for a, name, folded in store.all_author_names()}
    pairs = candidate_pairs((a, folded) for a, (_, folded) in names.items())
    pairs -= _separated_pairs(store)
    wanted = sorted({a for pair in pairs for a in pair})
    if not wanted:
        return []
    coauthors = store.coauthor_names(wanted)
    keys = store.author_keys_of(wanted)
    works: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    fields: dict[int, Counter[str]] = defaultdict(Counter)
    facts = store.author_work_facts(wanted)
    group_of = store.version_groups_of(sorted({row[1] for row in facts}))
    papers: dict[int, set[int]] = defaultdict(set)  # versions of one paper are one paper
    for author_id, work_id, source, _, field, _ in facts:
        works[author_id][work_id].add(source)
        papers[author_id].add(group_of.get(work_id, work_id))
        if field:
            fields[author_id][field] += 1
    found = []
    for a, b in pairs:
        if len(works[b]) > len(works[a]):
            a, b = b, a
        suggestion = _judge(a, b, names, coauthors, keys, works, papers, fields)
        if suggestion is not None and suggestion.score >= MIN_SCORE:
            shared = len(coauthors.get(a, set()) & coauthors.get(b, set()))
            found.append((suggestion, shared))
    # among equal scores (the odds stop growing at four shared co-authors), more shared
    # co-authors first
    found.sort(key=lambda pair: (-pair[0].score, -pair[1], pair[0].authors))
    return [suggestion for suggestion, _ in found[:limit]]


def _judge(
    a: int,
    b: int,
    names: dict[int, tuple[str, str]],
    coauthors: dict[int, set[str]],
    keys: dict[int, set[str]],
    works: dict[int, dict[int, set[str]]],
    papers: dict[int, set[int]],
    fields: dict[int, Counter[str]],
) -> Suggestion | None:
    relation = name_relation(names[a][1], names[b][1])
    assert relation is not None
    if any(works[a][w] & works[b].get(w, set()) for w in works[a]):
        return None  # one record names both: two co-authors of one paper
    shared_papers = papers[a] & papers[b]
    odds = PRIOR[relation] / (1 - PRIOR[relation])
    reasons = [relation.replace("name", f"name ({names[a][0]} / {names[b][0]})", 1)]
    shared = (coauthors.get(a, set()) & coauthors.get(b, set())) - {names[a][1], names[b][1]}
    if shared:
        odds *= 4 ** min(len(shared), 4)
        examples = ", ".join(sorted(shared)[:3])
        reasons.append(f"{len(shared)} shared co-author{'s' if len(shared) > 1 else ''} "
                       f"({examples}{', …' if len(shared) > 3 else ''})")  # fmt: skip
    if shared_papers:
        odds *= 20
        reasons.append(f"the same paper in two sources or versions ({len(shared_papers)})")
    primary_a, primary_b = _primary(fields[a]), _primary(fields[b])
    if primary_a and primary_b:
        if primary_a == primary_b:
            odds *= 1.5
            reasons.append(f"same primary field ({field_label(primary_a)})")
        else:
            odds *= 0.7
            reasons.append(
                f"different primary fields ({field_label(primary_a)} / {field_label(primary_b)})"
            )
    ids_a = {k for k in keys.get(a, set()) if not k.startswith("name:")}
    ids_b = {k for k in keys.get(b, set()) if not k.startswith("name:")}
    for scheme, factor in STRONG_IDS.items():
        mine = {k for k in ids_a if id_scheme_of(k) == scheme}
        theirs = {k for k in ids_b if id_scheme_of(k) == scheme}
        if mine and theirs and not mine & theirs:
            odds *= factor
            reasons.append(f"different {scheme} ids (a person must confirm)")
    return Suggestion(
        authors=[f"author:{a}", f"author:{b}"],
        source_ids=[sorted(ids_a), sorted(ids_b)],
        names=[names[a][0], names[b][0]],
        score=round(odds / (1 + odds), 3),
        reasons=reasons,
    )


def _primary(counts: Counter[str]) -> str | None:
    return counts.most_common(1)[0][0] if counts else None


def _separated_pairs(store: Store) -> set[tuple[int, int]]:
    """Pairs a person kept apart: merges undone and splits standing."""
    rows = store.identity_edits()
    undone = {int(row[5]) for row in rows if row[1] == "undo" and row[5] is not None}
    pairs = set()
    for edit_id, kind, *_, detail_json in rows:
        detail = json.loads(detail_json)
        if kind == "merge" and edit_id in undone:
            pair = (int(detail["keep"]), int(detail["drop"]))
        elif kind == "split" and edit_id not in undone:
            pair = (int(detail["from"]), int(detail["into"]))
        else:
            continue
        pairs.add((min(pair), max(pair)))
    return pairs
