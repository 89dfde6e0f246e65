"""Field of a work: the primary arXiv category predicted from its title and abstract.

The model ships inside the package (``field_model.npz`` + ``field_model.json`` beside
this file, about 3 MB) and needs only numpy: a TF-IDF transform written here to match
scikit-learn's ``TfidfVectorizer`` exactly, linear classifiers over it (multinomial
logistic regressions), and a calibration of their scores into probabilities. ``make train-fields``
(``python tools/train_fields.py``, a development tool outside the package) trains it from
``../shared/data/arxiv-cs/`` and writes ``bench/field_classifier_report.json``.

    >>> model = load_field_model()
    >>> [p.badge for p in model.predict([("Semantic segmentation of street scenes",
    ...     "We segment objects in images with a convolutional network.")])]
    ['CV']

Two heads share the vocabulary:

- the **text head** (``MODEL_VERSION``) reads only the words: fast (thousands of papers
  a second), what ``predict(texts)`` uses;
- the **embedding head** (``EMBEDDING_MODEL_VERSION``) also reads the all-MiniLM-L6-v2
  vector of the same text, and is a little more accurate on held-out months (the
  report has both). It is used when the caller passes those vectors:
  ``predict(texts, embeddings)``. Computing them costs far more than classifying (tens
  of texts a second on a laptop CPU), so pass them when the embedding stage has already
  made them, rather than embedding just to classify.

How a text is read (the same as ``TfidfVectorizer(ngram_range=(1, 2),
sublinear_tf=True)`` with the shipped vocabulary and idf):

1. the document is the title and the abstract joined by a newline (either may be
   missing), lower-cased;
2. tokens are runs of two or more word characters (``(?u)\\b\\w\\w+\\b``); the terms are
   the tokens and the pairs of adjacent tokens joined by a space;
3. each known term weighs ``(1 + ln count) * idf``; the row is scaled to unit length.

The class scores ``s = W x (+ V v) + b`` become probabilities ``softmax(s / T + c)``:
the temperature ``T`` and the per-class offsets ``c`` were fitted on validation months
scored by models that had not seen them, so a confidence of 0.9 means right about 9
times in 10 on new papers (the report gives the measured calibration error).

**The classifier knows arXiv computer science only.** Before a category is given, a
*domain gate* (``DomainGate``: a logistic regression over the text's own TF-IDF
unigrams, and the MiniLM vector when given, trained on arXiv cs papers against physics,
mathematics and geoscience texts) decides whether the text is computer science at all;
one it rejects gets ``in_domain=False``, no category, and a ``reason``. The gate's
threshold was set to cost at most 0.4 points of accuracy on the validation months; the
report gives its rejection rate on held-out non-CS texts.

A prediction is never a stated category: callers store it as a prediction, with
``model_version``, and never overwrite a category a source gave; a category is a key of
the ``arxiv`` taxonomy (``FieldPrediction.taxonomy``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MODEL_VERSION = "fields-tfidf-logreg-2026.04-3"
EMBEDDING_MODEL_VERSION = "fields-tfidf-minilm-logreg-2026.04-3"

MODEL_DIR = Path(__file__).resolve().parent
MODEL_NPZ = MODEL_DIR / "field_model.npz"
MODEL_JSON = MODEL_DIR / "field_model.json"

BATCH = 1024  # texts scored at a time
TAXONOMY = "arxiv"  # the taxonomy of the predicted categories

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class FieldPrediction:
    """The predicted primary category of one work, or why there is none.

    ``badge`` is the short code the profile pages show (``cs.CV`` -> ``CV``);
    ``confidence`` is the calibrated probability of ``category``. ``taxonomy`` names the
    taxonomy of ``category`` (``arxiv``). When the domain gate finds the text is not
    computer science, ``in_domain`` is False, ``category`` and ``badge`` are None,
    ``confidence`` is 0 and ``reason`` says why. ``domain_score`` is the gate's
    probability that the text is computer science (equal priors; the gate's threshold
    is ``DomainGate.threshold`` on its raw score).
    """

    category: str | None
    badge: str | None
    confidence: float
    model_version: str
    in_domain: bool = True
    reason: str | None = None
    domain_score: float | None = None
    taxonomy: str = TAXONOMY


@dataclass(frozen=True)
class SparseRows:
    """Rows of a sparse matrix in CSR form: row ``i`` holds ``data[indptr[i]:indptr[i+1]]``
    at columns ``indices[indptr[i]:indptr[i+1]]`` (columns sorted within a row)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_columns: int


def field_document(title: str | None, abstract: str | None) -> str:
    """The text the model reads: title and abstract joined by a newline.

    >>> field_document("A Title", None), field_document(" A Title ", "An abstract.")
    ('A Title', 'A Title\\nAn abstract.')
    """
    return "\n".join(part.strip() for part in (title, abstract) if part and part.strip())


def document_terms(document: str) -> list[str]:
    """Unigrams then bigrams of a document, as scikit-learn's word analyzer makes them.

    >>> document_terms("Deep nets, a survey")
    ['deep', 'nets', 'survey', 'deep nets', 'nets survey']
    """
    tokens = _TOKEN.findall(document.lower())
    return tokens + [f"{first} {second}" for first, second in zip(tokens, tokens[1:], strict=False)]


@dataclass(frozen=True)
class FieldHead:
    """One calibrated linear classifier over the TF-IDF row (and, optionally, a vector).

    ``scores = x @ coef + v @ dense + intercept``; probabilities are
    ``softmax(scores / temperature + offsets)``.
    """

    coef: np.ndarray  # (n_terms, n_classes)
    intercept: np.ndarray  # (n_classes,)
    temperature: float
    offsets: np.ndarray  # (n_classes,)
    version: str
    dense: np.ndarray | None = None  # (embedding dim, n_classes), for the embedding head


def tfidf_rows(
    documents: list[str], vocabulary: dict[str, int], idf: np.ndarray, bigrams: bool = True
) -> SparseRows:
    """TF-IDF rows (sublinear tf, unit length) of documents over a vocabulary: the
    terms of ``document_terms`` (unigrams only without ``bigrams``)."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for document in documents:
        counts: dict[int, int] = {}
        terms = document_terms(document) if bigrams else _TOKEN.findall(document.lower())
        for term in terms:
            column = vocabulary.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = sorted(counts)
        indices.extend(columns)
        data.extend(counts[column] for column in columns)
        indptr.append(len(indices))
    pointer = np.array(indptr, dtype=np.int64)
    column_array = np.array(indices, dtype=np.int64)
    weights = (np.log(np.array(data, dtype=np.float64)) + 1.0) * idf[column_array]
    row_of = np.repeat(np.arange(len(documents)), np.diff(pointer))
    norms = np.sqrt(np.bincount(row_of, weights=weights**2, minlength=len(documents)))
    norms[norms == 0.0] = 1.0
    weights /= norms[row_of]
    return SparseRows(pointer, column_array, weights, len(vocabulary))


@dataclass(frozen=True)
class DomainGate:
    """Is a text computer science? A logistic regression over its own TF-IDF of
    unigrams (and, in the embedding gate, the MiniLM vector), trained on arXiv cs papers
    against non-CS texts (physics and mathematics arXiv records, geoscience works).

    ``score = x @ coef (+ v @ dense) + intercept``; the text is in domain when
    ``score >= threshold``; ``domain_score`` reports ``sigmoid(scale * score + shift)``.
    """

    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (n_terms,)
    intercept: float
    threshold: float
    scale: float
    shift: float
    dense: np.ndarray | None = None  # (embedding dim,), for the embedding gate

    def scores(self, documents: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Raw gate scores, one per document (higher: more like computer science)."""
        rows = tfidf_rows(documents, self.vocabulary, self.idf, bigrams=False)
        row_of = np.repeat(np.arange(len(documents)), np.diff(rows.indptr))
        products = self.coef[rows.indices].astype(np.float64) * rows.data
        out = np.bincount(row_of, weights=products, minlength=len(documents)) + self.intercept
        if embeddings is not None and self.dense is not None:
            out += np.asarray(embeddings, dtype=np.float64) @ self.dense.astype(np.float64)
        return out

    def probability(self, scores: np.ndarray) -> np.ndarray:
        """The calibrated probability (equal priors) that each text is computer science."""
        return 1.0 / (1.0 + np.exp(-(self.scale * scores + self.shift)))


class FieldModel:
    """Linear classifiers over TF-IDF terms with calibrated probabilities.

    Two heads share one vocabulary: ``text`` reads only the words; ``embedding`` also
    reads the all-MiniLM-L6-v2 vector of the same text (more accurate, used when the
    caller has the vectors). Load the shipped model with ``load_field_model()``.

    >>> model = load_field_model()
    >>> model.predict([(None, "We prove a bound on the capacity of MIMO channels.")],
    ...               gate=False)[0].category
    'cs.IT'
    """

    def __init__(
        self,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        classes: tuple[str, ...],
        text: FieldHead,
        embedding: FieldHead | None = None,
        gates: dict[str, DomainGate] | None = None,
    ) -> None:
        for head in (text, embedding):
            if head is None:
                continue
            if head.coef.shape != (len(vocabulary), len(classes)):
                raise ValueError(f"field head {head.version}: coefficients do not fit the model")
        if idf.shape != (len(vocabulary),):
            raise ValueError("field model idf does not match its vocabulary")
        self.vocabulary = vocabulary
        self.idf = idf.astype(np.float64)
        self.classes = classes
        self.text = text
        self.embedding = embedding
        # "text" gates texts alone; "embedding" also reads the vector (when given)
        self.gates = gates or {}

    @property
    def version(self) -> str:
        """The version of the text head (what ``predict`` uses without vectors)."""
        return self.text.version

    def transform(self, documents: list[str]) -> SparseRows:
        """TF-IDF rows of documents (see the module docstring for the exact recipe).

        >>> rows = load_field_model().transform(["image segmentation", ""])
        >>> rows.indptr.tolist(), round(float((rows.data**2).sum()), 6)
        ([0, 3, 3], 1.0)
        """
        return tfidf_rows(documents, self.vocabulary, self.idf)

    def decision_function(
        self, rows: SparseRows, embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Raw class scores of the text head, or of the embedding head when
        ``embeddings`` are given; one row per document, one column per class."""
        head = self._head(embeddings)
        n_rows = len(rows.indptr) - 1
        scores = np.tile(head.intercept.astype(np.float64), (n_rows, 1))
        filled = np.diff(rows.indptr) > 0
        if filled.any():
            products = head.coef[rows.indices].astype(np.float64) * rows.data[:, None]
            # rows are contiguous runs of products; empty rows are skipped, so each
            # run ends where the next filled row starts
            scores[filled] += np.add.reduceat(products, rows.indptr[:-1][filled], axis=0)
        if embeddings is not None and head.dense is not None:
            scores += np.asarray(embeddings, dtype=np.float64) @ head.dense.astype(np.float64)
        return scores

    def predict_proba(
        self,
        texts: Sequence[tuple[str | None, str | None]],
        embeddings: np.ndarray | None = None,
    ) -> np.ndarray:
        """Calibrated class probabilities, columns in the order of ``classes``.

        ``embeddings``, if given, holds one all-MiniLM-L6-v2 vector per text (mean
        pooled, unit length, of ``field_document(title, abstract)`` cut at 256 tokens).

        >>> probs = load_field_model().predict_proba([("Speech recognition", None)])
        >>> probs.shape[0], round(float(probs.sum()), 6)
        (1, 1.0)
        """
        head = self._head(embeddings)
        if embeddings is not None and len(embeddings) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        probs = np.zeros((len(texts), len(self.classes)))
        for start in range(0, len(texts), BATCH):  # bounded memory on big files
            chunk = texts[start : start + BATCH]
            rows = self.transform([field_document(title, abstract) for title, abstract in chunk])
            vectors = None if embeddings is None else embeddings[start : start + BATCH]
            logits = self.decision_function(rows, vectors) / head.temperature
            logits += head.offsets.astype(np.float64)
            logits -= logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            probs[start : start + BATCH] = exp / exp.sum(axis=1, keepdims=True)
        return probs

    def domain_scores(
        self,
        texts: Sequence[tuple[str | None, str | None]],
        embeddings: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Raw domain-gate scores of texts (None when the model has no gate): the
        embedding gate when ``embeddings`` are given and the model has one, else the
        text gate."""
        gate = self._gate(embeddings)
        if gate is None:
            return None
        documents = [field_document(title, abstract) for title, abstract in texts]
        vectors = embeddings if gate.dense is not None else None
        return gate.scores(documents, vectors)

    def predict(
        self,
        texts: Sequence[tuple[str | None, str | None]],
        embeddings: np.ndarray | None = None,
        gate: bool = True,
    ) -> list[FieldPrediction]:
        """The most probable category of each ``(title, abstract)`` pair, or none where
        the text is not computer science.

        Without ``embeddings`` the text head answers; with them (see ``predict_proba``)
        the embedding head does, and ``model_version`` says which. A text with no word
        the model knows gets the class the calibration favours when nothing is known,
        with a low confidence. With ``gate`` (the default) the domain gate first
        decides whether the text is computer science at all; a text it rejects gets
        ``in_domain=False``, no category and a ``reason``.

        >>> model = load_field_model()
        >>> model.predict([("Large language models for question answering",
        ...     "We prompt an LLM to answer questions over text.")])[0].badge
        'CL'
        >>> rejected = model.predict([("Sediment transport in braided rivers",
        ...     "We measure bedload flux and grain size in gravel-bed rivers.")])[0]
        >>> rejected.in_domain, rejected.category
        (False, None)
        """
        if not texts:
            return []
        head = self._head(embeddings)
        probs = self.predict_proba(texts, embeddings)
        best = probs.argmax(axis=1)
        gate_used = self._gate(embeddings) if gate else None
        raw = self.domain_scores(texts, embeddings) if gate_used else None
        found = []
        for row, index in enumerate(best):
            score = None if raw is None or gate_used is None else float(raw[row])
            domain = (
                None
                if score is None or gate_used is None
                else float(gate_used.probability(np.array([score]))[0])
            )
            if score is not None and gate_used is not None and score < gate_used.threshold:
                found.append(
                    FieldPrediction(
                        category=None,
                        badge=None,
                        confidence=0.0,
                        model_version=head.version,
                        in_domain=False,
                        reason=(
                            "out of domain: the text does not read as computer science"
                            f" (domain score {domain:.3f})"
                        ),
                        domain_score=domain,
                    )
                )
                continue
            found.append(
                FieldPrediction(
                    category=self.classes[index],
                    badge=category_badge(self.classes[index]),
                    confidence=float(probs[row, index]),
                    model_version=head.version,
                    domain_score=domain,
                )
            )
        return found

    def in_domain(
        self,
        texts: Sequence[tuple[str | None, str | None]],
        embeddings: np.ndarray | None = None,
    ) -> list[bool]:
        """Whether the domain gate lets each text through (``predict``'s ``in_domain``),
        without classifying it; all True for a model without a gate.

        >>> load_field_model().in_domain([("Object detection in images", None)])
        [True]
        """
        gate = self._gate(embeddings)
        raw = self.domain_scores(texts, embeddings)
        if gate is None or raw is None:
            return [True] * len(texts)
        return [bool(score >= gate.threshold) for score in raw]

    def _gate(self, embeddings: np.ndarray | None) -> DomainGate | None:
        if embeddings is not None and "embedding" in self.gates:
            return self.gates["embedding"]
        return self.gates.get("text")

    def _head(self, embeddings: np.ndarray | None) -> FieldHead:
        if embeddings is None:
            return self.text
        if self.embedding is None or self.embedding.dense is None:
            raise ValueError("this field model has no embedding head")
        if np.ndim(embeddings) != 2 or np.shape(embeddings)[1] != self.embedding.dense.shape[0]:
            raise ValueError(
                f"embeddings must have shape (n, {self.embedding.dense.shape[0]}),"
                f" not {np.shape(embeddings)}"
            )
        return self.embedding


def category_badge(category: str) -> str:
    """The badge of a category: the part after the dot (``eess.IV`` -> ``IV``).

    >>> category_badge("cs.CV"), category_badge("eess.IV")
    ('CV', 'IV')
    """
    return category.split(".", 1)[1] if "." in category else category


def save_field_model(model: FieldModel, npz_path: Path, json_path: Path) -> None:
    """Write a model as the two files ``load_field_model`` reads.

    The vocabulary is stored as one UTF-8 text (terms in column order, newline
    separated), the term weights as int8 codes (below), the rest as float32: small
    files, fast to load.

    A weight ``w`` of class ``k`` is stored as ``round(sign(w) * sqrt(|w| / m_k) * 127)``
    with ``m_k`` the largest ``|w|`` of the class, and read back as
    ``sign(q) * (|q| / 127)**2 * m_k``: the square root spends the 255 codes where the
    weights are (most are small), so the read model almost never predicts otherwise
    than the trained one (the report measures it).

    >>> weights = np.array([[0.5, -2.0], [-0.001, 1.0]])
    >>> largest = np.abs(weights).max(axis=0)
    >>> np.round(_decode(_encode(weights / largest), largest).astype(float), 3).tolist()
    [[0.5, -2.0], [-0.001, 1.004]]
    """
    terms = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    arrays: dict[str, np.ndarray] = {
        "terms": np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8),
        "idf": model.idf.astype(np.float32),
    }
    heads: dict[str, dict[str, object]] = {}
    for name, head in (("text", model.text), ("embedding", model.embedding)):
        if head is None:
            continue
        largest = np.abs(head.coef).max(axis=0).astype(np.float32)
        largest[largest == 0.0] = 1.0
        arrays[f"{name}_coef"] = _encode(head.coef / largest)
        arrays[f"{name}_scale"] = largest
        arrays[f"{name}_intercept"] = head.intercept.astype(np.float32)
        arrays[f"{name}_offsets"] = head.offsets.astype(np.float32)
        if head.dense is not None:
            arrays[f"{name}_dense"] = head.dense.astype(np.float32)
        heads[name] = {"model_version": head.version, "temperature": head.temperature}
    gates: dict[str, dict[str, object]] = {}
    if model.gates:
        # the gates share one unigram vocabulary
        first = next(iter(model.gates.values()))
        gate_terms = sorted(first.vocabulary, key=first.vocabulary.__getitem__)
        arrays["gate_terms"] = np.frombuffer("\n".join(gate_terms).encode("utf-8"), np.uint8)
        arrays["gate_idf"] = first.idf.astype(np.float32)
        for name, gate in model.gates.items():
            if gate.vocabulary is not first.vocabulary and gate.vocabulary != first.vocabulary:
                raise ValueError("the domain gates must share one vocabulary")
            arrays[f"gate_{name}_coef"] = gate.coef.astype(np.float32)
            if gate.dense is not None:
                arrays[f"gate_{name}_dense"] = gate.dense.astype(np.float32)
            gates[name] = {
                "intercept": gate.intercept,
                "threshold": gate.threshold,
                "scale": gate.scale,
                "shift": gate.shift,
            }
    _write_npz(npz_path, arrays)
    meta = {"classes": list(model.classes), "n_terms": len(terms), "heads": heads}
    if gates:
        meta["gates"] = gates
    json_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _encode(unit: np.ndarray) -> np.ndarray:
    """int8 codes of weights in [-1, 1]: the signed square root, times 127."""
    return np.round(np.sign(unit) * np.sqrt(np.abs(unit)) * 127.0).astype(np.int8)


def _decode(codes: np.ndarray, largest: np.ndarray) -> np.ndarray:
    """Weights back from ``_encode`` codes and the largest ``|w|`` of each class."""
    unit = codes.astype(np.float32) / np.float32(127.0)
    return np.sign(unit) * unit * unit * largest.astype(np.float32)


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with fixed zip entry dates, so the same arrays always make
    the same bytes (numpy stamps each entry with the time of writing)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, buffer.getvalue())


def read_field_model(npz_path: Path, json_path: Path) -> FieldModel:
    """Read a model written by ``save_field_model``."""
    meta = json.loads(json_path.read_text(encoding="utf-8"))
    with np.load(npz_path) as arrays:
        terms = arrays["terms"].tobytes().decode("utf-8").split("\n")
        if len(terms) != meta["n_terms"]:
            raise ValueError(f"{npz_path}: {len(terms)} terms, the metadata says {meta['n_terms']}")
        heads = {
            name: FieldHead(
                coef=_decode(arrays[f"{name}_coef"], arrays[f"{name}_scale"]),
                intercept=arrays[f"{name}_intercept"],
                temperature=float(info["temperature"]),
                offsets=arrays[f"{name}_offsets"],
                version=info["model_version"],
                dense=arrays[f"{name}_dense"] if f"{name}_dense" in arrays.files else None,
            )
            for name, info in meta["heads"].items()
        }
        gates: dict[str, DomainGate] = {}
        if meta.get("gates"):
            gate_terms = arrays["gate_terms"].tobytes().decode("utf-8").split("\n")
            gate_vocabulary = {term: column for column, term in enumerate(gate_terms)}
            gate_idf = arrays["gate_idf"].astype(np.float64)
            for name, info in meta["gates"].items():
                gates[name] = DomainGate(
                    vocabulary=gate_vocabulary,
                    idf=gate_idf,
                    coef=arrays[f"gate_{name}_coef"],
                    intercept=float(info["intercept"]),
                    threshold=float(info["threshold"]),
                    scale=float(info["scale"]),
                    shift=float(info["shift"]),
                    dense=arrays[f"gate_{name}_dense"]
                    if f"gate_{name}_dense" in arrays.files
                    else None,
                )
        return FieldModel(
            vocabulary={term: column for column, term in enumerate(terms)},
            idf=arrays["idf"],
            classes=tuple(meta["classes"]),
            text=heads["text"],
            embedding=heads.get("embedding"),
            gates=gates,
        )


@cache
def load_field_model() -> FieldModel:
    """The field model shipped with scholarscope (read once, then cached).

    >>> load_field_model().version == MODEL_VERSION
    True
    """
    model = read_field_model(MODEL_NPZ, MODEL_JSON)
    shipped = (model.version, model.embedding.version if model.embedding else None)
    if shipped != (MODEL_VERSION, EMBEDDING_MODEL_VERSION):
        raise ValueError(
            f"{MODEL_JSON} holds models {shipped}, this code expects "
            f"{(MODEL_VERSION, EMBEDDING_MODEL_VERSION)}: retrain with `make train-fields`"
        )
    return model


__all__ = [
    "MODEL_VERSION",
    "EMBEDDING_MODEL_VERSION",
    "DomainGate",
    "FieldHead",
    "FieldModel",
    "FieldPrediction",
    "SparseRows",
    "TAXONOMY",
    "category_badge",
    "document_terms",
    "field_document",
    "load_field_model",
    "read_field_model",
    "save_field_model",
    "tfidf_rows",
]
