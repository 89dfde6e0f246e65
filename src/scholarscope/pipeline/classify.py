"""Classify the records of files without storing them: ``scholarscope classify FILE``.

Every record of any supported format gets the field the model predicts from its title
and abstract, whatever category the file itself states: this is how one checks the
classifier against a file's own labels, or labels a file before ingesting it. The
model knows arXiv computer science only: a text its domain gate finds is not computer
science gets ``field: null``, ``in_domain: false`` and a ``reason``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from scholarscope.enrich.fields import TAXONOMY, FieldModel
from scholarscope.ingest import load_path
from scholarscope.records import Rejected, Repaired, Work

CLASSIFY_BATCH = 1000  # records predicted at a time


@dataclass(frozen=True)
class Classified:
    """The predicted field of one record (``field`` is None when it has no text or the
    text is not computer science; ``reason`` says which)."""

    id: str
    field: str | None
    badge: str | None
    confidence: float | None
    reason: str | None = None
    in_domain: bool | None = None  # None: no text to judge
    taxonomy: str = TAXONOMY

    def as_dict(self) -> dict[str, object]:
        row: dict[str, object] = {
            "id": self.id,
            "field": self.field,
            "badge": self.badge,
            "confidence": self.confidence,
            "taxonomy": self.taxonomy,
            "in_domain": self.in_domain,
        }
        if self.reason:
            row["reason"] = self.reason
        return row


def classify_paths(
    paths: Iterable[Path], model: FieldModel
) -> Iterator[Classified | Rejected | Repaired]:
    """Predicted fields of every work record in ``paths``, in file order, with the
    problems met while reading them in the same stream.

    >>> from scholarscope.enrich.fields import load_field_model
    >>> found = list(classify_paths([Path("examples/000_6198259b7f70df20.txt")],
    ...                             load_field_model()))
    >>> len(found), found[0].id, found[0].badge
    (10, 'arxiv:2409.19252', 'CV')
    """
    for path in paths:
        batch: list[Work] = []
        for item in load_path(path):
            if isinstance(item, Work):
                batch.append(item)
                if len(batch) >= CLASSIFY_BATCH:
                    yield from _classify(batch, model)
                    batch = []
            elif isinstance(item, Rejected | Repaired):
                yield item
        yield from _classify(batch, model)


def _classify(works: list[Work], model: FieldModel) -> Iterator[Classified]:
    with_text = [w for w in works if w.title or w.abstract]
    predictions = model.predict([(w.title, w.abstract) for w in with_text]) if with_text else []
    predicted = dict(zip((id(w) for w in with_text), predictions, strict=True))
    for work in works:
        work_id = work.ids[0] if work.ids else work.origin
        found = predicted.get(id(work))
        if found is None:
            yield Classified(work_id, None, None, None, "no title or abstract")
        elif not found.in_domain:
            yield Classified(work_id, None, None, None, found.reason, in_domain=False)
        else:
            yield Classified(
                work_id, found.category, found.badge, round(found.confidence, 4), in_domain=True
            )
