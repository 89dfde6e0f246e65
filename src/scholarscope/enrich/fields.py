"""Field of a work: the primary arXiv category predicted from its title and abstract.

The model ships inside the package (``field_model.npz`` + ``field_model.json`` beside
this file, about 2.5 MB) and needs only numpy: a TF-IDF transform written here to match
scikit-learn's ``TfidfVectorizer`` exactly, linear classifiers over it (multinomial
logistic regressions), and a calibration of their scores into probabilities. ``make train-fields``
(``python -m scholarscope.enrich.train_fields``) trains it from
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
the temperature ``T`` and the per-class offsets ``c`` were fitted on months the
classifier had not seen, so a confidence of 0.9 means right about 9 times in 10 on new
papers (the report gives the measured calibration error).

A prediction is never a stated category: callers store it as a prediction, with
``model_version``, and never overwrite a category a source gave.
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

MODEL_VERSION = "fields-tfidf-logreg-2026.04-2"
EMBEDDING_MODEL_VERSION = "fields-tfidf-minilm-logreg-2026.04-2"

MODEL_DIR = Path(__file__).resolve().parent
MODEL_NPZ = MODEL_DIR / "field_model.npz"
MODEL_JSON = MODEL_DIR / "field_model.json"

BATCH = 1024  # texts scored at a time

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class FieldPrediction:
    """The predicted primary category of one work.

    ``badge`` is the short code the profile pages show (``cs.CV`` -> ``CV``);
    ``confidence`` is the calibrated probability of ``category``.
    """

    category: str
    badge: str
    confidence: float
    model_version: str


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


class FieldModel:
    """Linear classifiers over TF-IDF terms with calibrated probabilities.

    Two heads share one vocabulary: ``text`` reads only the words; ``embedding`` also
    reads the all-MiniLM-L6-v2 vector of the same text (more accurate, used when the
    caller has the vectors). Load the shipped model with ``load_field_model()``.

    >>> model = load_field_model()
    >>> model.predict([(None, "We prove a bound on the capacity of MIMO channels.")])[0].category
    'cs.IT'
    """

    def __init__(
        self,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        classes: tuple[str, ...],
        text: FieldHead,
        embedding: FieldHead | None = None,
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
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        vocabulary = self.vocabulary
        for document in documents:
            counts: dict[int, int] = {}
            for term in document_terms(document):
                column = vocabulary.get(term)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            columns = sorted(counts)
            indices.extend(columns)
            data.extend(counts[column] for column in columns)
            indptr.append(len(indices))
        pointer = np.array(indptr, dtype=np.int64)
        column_array = np.array(indices, dtype=np.int64)
        weights = (np.log(np.array(data, dtype=np.float64)) + 1.0) * self.idf[column_array]
        row_of = np.repeat(np.arange(len(documents)), np.diff(pointer))
        norms = np.sqrt(np.bincount(row_of, weights=weights**2, minlength=len(documents)))
        norms[norms == 0.0] = 1.0
        weights /= norms[row_of]
        return SparseRows(pointer, column_array, weights, len(vocabulary))

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

    def predict(
        self,
        texts: Sequence[tuple[str | None, str | None]],
        embeddings: np.ndarray | None = None,
    ) -> list[FieldPrediction]:
        """The most probable category of each ``(title, abstract)`` pair.

        Without ``embeddings`` the text head answers; with them (see ``predict_proba``)
        the embedding head does, and ``model_version`` says which. A text with no word
        the model knows gets the class the calibration favours when nothing is known,
        with a low confidence.

        >>> load_field_model().predict([("Large language models for question answering",
        ...     "We prompt an LLM to answer questions over text.")])[0].badge
        'CL'
        """
        if not texts:
            return []
        head = self._head(embeddings)
        probs = self.predict_proba(texts, embeddings)
        best = probs.argmax(axis=1)
        return [
            FieldPrediction(
                category=self.classes[index],
                badge=category_badge(self.classes[index]),
                confidence=float(probs[row, index]),
                model_version=head.version,
            )
            for row, index in enumerate(best)
        ]

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
    _write_npz(npz_path, arrays)
    meta = {"classes": list(model.classes), "n_terms": len(terms), "heads": heads}
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
        return FieldModel(
            vocabulary={term: column for column, term in enumerate(terms)},
            idf=arrays["idf"],
            classes=tuple(meta["classes"]),
            text=heads["text"],
            embedding=heads.get("embedding"),
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
    "FieldHead",
    "FieldModel",
    "FieldPrediction",
    "SparseRows",
    "category_badge",
    "document_terms",
    "field_document",
    "load_field_model",
    "read_field_model",
    "save_field_model",
]
