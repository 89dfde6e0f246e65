"""Which person each byline of one ingest batch is, and why (the rules are in
``authors.py``); the author, key and authorship rows that creates.

Every authorship is stored with the rule that placed it (``Attribution``): ``pin`` (a
person's edit said so: ``identity split``), ``key`` (a source id, or the name key of a
source context, already led to the person, or the person was created under it), or
``work`` (the same paper names a compatible person in another source), or
``unrelated-id`` (the byline's source id leads to a person of an unrelated name, so the
byline went by its name; evidence: that id).
"""

from __future__ import annotations

from typing import NamedTuple

from scholarscope.authors import id_scheme_of, name_key, names_compatible, names_related
from scholarscope.store import Store


class Attribution(NamedTuple):
    """How an authorship came to its person: ``rule`` is 'pin', 'key' or 'work';
    ``evidence`` the edit id, the key, or the other source that names them."""

    author_id: int
    rule: str
    evidence: str


class AuthorResolver:
    """Resolves the bylines of one batch, given what is stored: the keys the batch's
    bylines carry, the authors of the stored works the batch touches, and the pins of
    those works (``author_pin``)."""

    def __init__(
        self,
        store: Store,
        author_keys: dict[str, int],
        work_authors: dict[int, list[tuple[int, str, str]]],
        pins: dict[tuple[int, str], tuple[int, int]],
        next_author_id: int,
    ) -> None:
        self.store = store
        self.author_keys = author_keys  # key -> author_id, stored or given in this batch
        self.pins = pins  # (work_id, folded name) -> (author_id, edit_id)
        # work_id -> name bucket -> [(author_id, folded name, source)]: rule 3 compares a
        # name only with the work's authors of the same surname and initial, so a record
        # of N authors costs N lookups, not N² comparisons (one record names 5,154 people)
        self.work_authors: dict[int, dict[str, list[tuple[int, str, str]]]] = {}
        for work_id, triples in work_authors.items():
            buckets = self.work_authors.setdefault(work_id, {})
            for triple in triples:
                buckets.setdefault(name_bucket(triple[1]), []).append(triple)
        self.keys_of: dict[int, set[str]] = {}  # author_id -> all its keys, loaded on demand
        # author_id -> folded name, of the people source ids lead to (rule 1 compares it)
        self.folded_of: dict[int, str] = store.author_folded_names(
            sorted({a for key, a in author_keys.items() if not key.startswith("name:")})
        )
        self.next_author_id = next_author_id
        self.new_authors: list[tuple[int, str, str]] = []
        self.key_rows: list[tuple[str, int]] = []

    def resolve(
        self,
        name: str,
        folded: str,
        keys: tuple[str, ...],
        ids: tuple[str, ...],
        source: str,
        work_id: int | None,
    ) -> Attribution:
        if work_id is not None:
            pinned = self.pins.get((work_id, folded))
            if pinned is not None:  # an edit beats every rule; it teaches no key
                return Attribution(pinned[0], "pin", str(pinned[1]))
        author_keys = self.author_keys
        attribution = None
        for key in keys:  # rules 1 and 2: the first key already known
            author_id = author_keys.get(key)
            if author_id is not None:
                if ids and not names_related(folded, self._folded_of(author_id)):
                    # the source put another person's id on this byline: go by the name
                    by_name = self.resolve(
                        name, folded, (name_key(source, name),), (), source, work_id
                    )
                    return Attribution(by_name.author_id, "unrelated-id", key)
                attribution = Attribution(author_id, "key", key)
                break
        if attribution is None and work_id is not None:
            attribution = self._same_work_author(folded, ids, source, work_id)
        if attribution is None:  # rule 4: a new person, known by these keys from now on
            self.next_author_id += 1
            attribution = Attribution(self.next_author_id, "key", keys[0] if keys else "")
            self.new_authors.append((attribution.author_id, name, folded))
            self.keys_of[attribution.author_id] = set()
            self.folded_of[attribution.author_id] = folded
        for key in keys:
            if key not in author_keys:
                author_keys[key] = attribution.author_id
                self.key_rows.append((key, attribution.author_id))
                self._keys_of(attribution.author_id).add(key)
        if work_id is not None:
            buckets = self.work_authors.setdefault(work_id, {})
            buckets.setdefault(name_bucket(folded), []).append(
                (attribution.author_id, folded, source)
            )
        return attribution

    def _folded_of(self, author_id: int) -> str:
        if author_id not in self.folded_of:
            self.folded_of.update(self.store.author_folded_names([author_id]))
        return self.folded_of.get(author_id, "")

    def _keys_of(self, author_id: int) -> set[str]:
        if author_id not in self.keys_of:
            stored = self.store.author_keys_of([author_id])
            self.keys_of[author_id] = stored.get(author_id, set())
        return self.keys_of[author_id]

    def _same_work_author(
        self, folded: str, ids: tuple[str, ...], source: str, work_id: int
    ) -> Attribution | None:
        """Rule 3: a compatible name on the same work from another source, unless the two
        carry different ids of one scheme (two OpenAlex people stay two)."""
        bucket = self.work_authors.get(work_id, {}).get(name_bucket(folded), ())
        for candidate, candidate_folded, candidate_source in bucket:
            if candidate_source == source or not names_compatible(folded, candidate_folded):
                continue
            schemes = {id_scheme_of(k): k for k in ids}
            clash = any(
                id_scheme_of(k) in schemes and k != schemes[id_scheme_of(k)]
                for k in self._keys_of(candidate)
            )
            if not clash:
                return Attribution(candidate, "work", candidate_source)
        return None


def name_bucket(folded: str) -> str:
    """Surname and first initial of a folded name: two compatible names share both
    (``authors.names_compatible``).

    >>> name_bucket("shiming ge"), name_bucket("s ge"), name_bucket("ge")
    ('ge s', 'ge s', 'ge ')
    """
    words = folded.split()
    if not words:
        return ""
    return f"{words[-1]} {words[0][0] if len(words) > 1 else ''}"
