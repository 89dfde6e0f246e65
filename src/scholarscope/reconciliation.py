"""Our figures of a researcher set beside a source's stated ones (``reconcile``), with
the reasons they differ, read from the data: works the source lists that are not stored
here, versions of one paper counted once, newer or older citation figures, a source
whose total is not the sum of its per-work figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scholarscope.merged import source_name
from scholarscope.store import Store


def count_works(n: int) -> str:
    """ "1 work", "2 works"."""
    return f"{n} work" if n == 1 else f"{n} works"


def reconcile_facts(
    store: Store,
    author_id: int,
    stated: dict[str, Any],
    facts: list[dict[str, Any]],
    primary_of: dict[int, int],
) -> dict[str, Any]:
    """What ``reconcile`` reads of the store besides the works: the version groups with
    more than one of the author's works, the works the stating source names the author
    on, and (for a source that dates no figure) where its records were read."""
    members: dict[int, list[dict[str, Any]]] = {}
    for fact in facts:
        if fact["work_id"] in primary_of:
            members.setdefault(primary_of[fact["work_id"]], []).append(fact)
    work_ids = [f["work_id"] for f in facts]
    listed = {
        work_id
        for work_id, source, *_ in store.author_authorships(author_id, work_ids)
        if source == stated["source"]
    }
    return {
        "groups": [group for group in members.values() if len(group) > 1],
        "listed": listed or None,  # a source naming none of them: no list to compare with
        "origins": None
        if stated["as_of"]
        else store.source_record_origins(work_ids, stated["source"]),
    }


RECONCILED = ("h_index", "i10_index", "papers", "citations")


def reconcile(
    ours: dict[str, Any],
    stated: dict[str, Any],
    works: list[dict[str, Any]],
    groups: Sequence[Sequence[dict[str, Any]]] = (),
    listed: set[int] | None = None,
    origins: dict[int, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Set our figures beside one source's stated figures, with the reasons they differ
    (pure). Reasons come from the data, each with its share of a citation gap where the
    data gives it: works the source counts that are not stored; versions of one paper,
    which the source counts apart (``groups``: the facts of each version group's works
    before ``count_versions_once``); works the source does not list for the author
    (``listed``: the works it names them on); works counted with another source's
    figure; works without any citation figure; figures dated after the source's own, or,
    for a source that dates nothing, read from another record than the stated figures
    (``origins``: where each work's record from the source was read); and what is left:
    the source's own per-work figures against its total.
    """
    source = stated["source"]
    name = source_name(source)
    in_group = {w["work_id"] for group in groups for w in group}
    if listed is None:
        listed = {w["work_id"] for w in works} | in_group
    unlisted = [w for w in works if w["work_id"] not in listed and w["work_id"] not in in_group]
    folded = ours.get("versions_counted_once", 0)  # a source counts each version
    missing_works = (stated["papers"] or 0) - (ours["papers"] - len(unlisted)) - folded
    single = [w for w in works if w["work_id"] in listed and w["work_id"] not in in_group]
    without_figure = ours["papers"] - ours["works_with_citations"]

    def own(w: dict[str, Any]) -> dict[str, Any]:
        return w["citations_by_source"].get(source) or {}

    def shown(w: dict[str, Any]) -> int:
        return int(w["citations"] or 0)

    other_source = [
        w for w in single if w["citations"] is not None and w["citations_source"] != source
    ]
    from_source = [w for w in single if w["citations_source"] == source]
    read_from = origins or {}
    if stated["as_of"]:  # figures dated after the source's total may have grown since
        later = [w for w in from_source if (own(w).get("as_of") or "") > stated["as_of"]]
    else:  # a source that dates nothing: figures read from another record of it
        later = [w for w in from_source if read_from.get(w["work_id"], set()) - {stated["origin"]}]
    # what each known difference adds to our total against the source's
    unlisted_delta = sum(shown(w) for w in unlisted)
    other_delta = sum(shown(w) - int(own(w).get("count") or 0) for w in other_source)
    counted_of = {w["work_id"]: w for w in works if w["work_id"] in in_group}
    group_delta = 0
    for group in groups:
        counted = next(
            (counted_of[w["work_id"]] for w in group if w["work_id"] in counted_of), None
        )
        group_delta += (shown(counted) if counted else 0) - sum(
            int((w["citations_by_source"].get(source) or {}).get("count") or 0)
            for w in group
            if w["work_id"] in listed
        )
    common: list[tuple[str, int | None]] = []
    if missing_works > 0:
        common.append((f"the source counts {count_works(missing_works)} not stored here", None))
    if folded:
        verb = "is a version" if folded == 1 else "are versions"
        common.append(
            (f"{count_works(folded)} stored here {verb} of another of the author's papers "
             "(a preprint, a second DOI), counted once", group_delta)
        )  # fmt: skip
    if unlisted:
        verb = "is" if len(unlisted) == 1 else "are"
        common.append(
            (f"{count_works(len(unlisted))} stored here {verb} not in {name}'s list of the "
             "author's works (found through other sources)", unlisted_delta)
        )  # fmt: skip
    cited: list[tuple[str, int | None]] = []
    if ours["works_with_citations"] == 0:
        cited.append(("no stored work has a citation figure from any source", None))
    elif without_figure:
        verb = "has" if without_figure == 1 else "have"
        cited.append((f"{count_works(without_figure)} stored here {verb} no citation figure", None))
    if other_source:
        others = ", ".join(sorted({source_name(w["citations_source"]) for w in other_source}))
        verb = "is" if len(other_source) == 1 else "are"
        cited.append(
            (f"{count_works(len(other_source))} {verb} counted with another source's figure "
             f"({others}) before {name}'s", other_delta)
        )  # fmt: skip
    later_count = sum(shown(w) for w in later)
    if later and stated["as_of"]:
        verb = "has" if len(later) == 1 else "have"
        cited.append(
            (f"{count_works(len(later))} {verb} {name} figures dated after the source's own "
             f"figure ({stated['as_of']}): {later_count:,} citations between them", None)
        )  # fmt: skip
    elif later:
        read = sorted({o for w in later for o in read_from[w["work_id"]]} - {stated["origin"]})
        verb = "is" if len(later) == 1 else "are"
        cited.append(
            (f"{count_works(len(later))} {verb} counted with {name} figures read from another "
             f"record ({', '.join(read)}), not from the list behind the stated figures "
             f"({stated['origin']}): {later_count:,} citations", None)
        )  # fmt: skip
    rows = []
    for figure in RECONCILED:
        if stated[figure] is None:
            continue
        reasons = []
        if ours[figure] != stated[figure]:
            parts = common + ([] if figure == "papers" else cited)
            for text, delta in parts:
                if figure == "citations" and delta:
                    text += f" ({_signed_citations(delta)})"
                reasons.append(text)
            if figure == "citations" and ours["citations"] is not None:
                rest = _citation_remainder(
                    ours["citations"] - stated["citations"] - unlisted_delta - other_delta
                    - group_delta,
                    stated, name, later, later_count,
                    unknown=missing_works > 0 or without_figure > 0,
                )  # fmt: skip
                reasons += [rest] if rest else []
        rows.append(
            {
                "figure": figure,
                "ours": ours[figure],
                "stated": stated[figure],
                "source": stated["source"],
                "origin": stated["origin"],
                "agrees": ours[figure] == stated[figure],
                "reasons": reasons,
            }
        )
    return rows


def _citation_remainder(
    rest: int,
    stated: dict[str, Any],
    name: str,
    later: list[dict[str, Any]],
    later_count: int,
    unknown: bool,
) -> str | None:
    """The part of a citation gap the listed reasons leave, when the data pins it down:
    with no figures of unknown effect it is the source's own per-work figures against
    its total; with only some newer (or other-record) figures, it is what the source's
    total leaves for those works against what they count here."""
    if not rest or unknown:
        return None
    total = stated["citations"]
    if not later:
        more = "more" if rest > 0 else "less"
        return (
            f"{name}'s own per-work figures add up to {total + rest:,}, {abs(rest):,} {more} "
            f"than its stated total of {total:,}: its total is not the sum of its per-work "
            "figures"
        )
    left = later_count - rest
    return (
        f"{name}'s figures for the other works add up to {total - left:,}, which "
        f"leaves {left:,} of its total of {total:,} for the {count_works(len(later))} above, "
        f"against {later_count:,} counted here ({_signed_citations(rest)})"
    )


def _signed_citations(n: int) -> str:
    """A citation difference with its sign.

    >>> _signed_citations(1), _signed_citations(-1464)
    ('+1 citation', '-1,464 citations')
    """
    return f"{n:+,} citation" if abs(n) == 1 else f"{n:+,} citations"
