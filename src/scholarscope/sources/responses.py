"""Every answer a live source gave, kept on disk beside the database, so that a fetch
killed halfway and run again asks nothing it already has, and a figure shown later can
be traced to the answer it came from.

One JSON file per request, content-addressed: the file name is the SHA-256 of the
method, the URL without keys and (for a POST) the request body; the file holds
``{method, url, status, headers, body, fetched_at}`` (plus ``request_body`` for a POST).
Never a pickle, never a key: the client hands over URLs already stripped of keys and
bodies already scrubbed of them. Files are written to a temporary name and renamed, so a
kill leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx


@dataclass(frozen=True)
class KeptResponse:
    """One answer as kept: the URL asked (no keys), its status, the response headers, the
    body as text and when it was fetched (ISO 8601, UTC)."""

    url: str
    status: int
    headers: dict[str, str]
    body: str
    fetched_at: str
    method: str = "GET"
    request_body: str | None = field(default=None)

    def fetched_before(self, moment: datetime) -> bool:
        """Whether this answer is older than ``moment`` (an aware datetime); an unreadable
        ``fetched_at`` counts as old, so a refresh asks again.

        >>> kept = KeptResponse("https://x.org/a", 200, {}, "{}", "2026-01-02T03:04:05+00:00")
        >>> kept.fetched_before(datetime.fromisoformat("2026-02-01T00:00:00+00:00"))
        True
        """
        try:
            return datetime.fromisoformat(self.fetched_at) < moment
        except (ValueError, TypeError):
            return True


def response_key(method: str, url: str, request_body: str | None = None) -> str:
    """The content address of a request: SHA-256 (hex) of the method, the URL without
    keys and, for a POST, the request body.

    >>> response_key("GET", "https://api.openalex.org/works/W1")[:16]
    'bfaee9e095a61bb1'
    """
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\n")
    digest.update(url.encode())
    digest.update(b"\n")
    if request_body is not None:
        digest.update(request_body.encode())
    return digest.hexdigest()


def folder_beside(database: Path) -> Path:
    """The folder that keeps the answers for a database file: ``<db>.responses``.

    >>> folder_beside(Path("/data/scholarscope.db")).as_posix()
    '/data/scholarscope.db.responses'
    """
    return database.with_name(database.name + ".responses")


def answers_folder(db: str) -> Path | None:
    """Where the sources' answers are kept for database ``db``: beside a SQLite file
    (``<db>.responses``); for a database on a server, ``scholarscope.responses/<host>_
    <port>_<database>`` in the working folder; nowhere for an in-memory database.

    >>> answers_folder("data/x.db").as_posix(), answers_folder(":memory:")
    ('data/x.db.responses', None)
    >>> answers_folder("postgresql://me:secret@db.lab:5432/scholarscope").as_posix()
    'scholarscope.responses/db.lab_5432_scholarscope'
    """
    if db.startswith(("postgresql://", "postgres://")):
        url = httpx.URL(db)
        name = f"{url.host}_{url.port or 5432}_{url.path.strip('/') or 'postgres'}"
        return Path("scholarscope.responses") / "".join(
            c if c.isalnum() or c in "._-" else "_" for c in name
        )
    path = db.removeprefix("sqlite:///")
    return None if path == ":memory:" else folder_beside(Path(path))


class ResponseStore:
    """The kept answers under one folder, ``<folder>/<key[:2]>/<key>.json``: two hex
    digits of fan-out keep a folder to a few thousand files for a million answers.

    >>> import tempfile
    >>> store = ResponseStore(Path(tempfile.mkdtemp()))
    >>> kept = KeptResponse("https://x.org/a", 200, {}, "{}", "2026-01-02T03:04:05+00:00")
    >>> _ = store.put(kept)
    >>> store.get("GET", "https://x.org/a") == kept, store.get("GET", "https://x.org/b")
    (True, None)
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, method: str, url: str, request_body: str | None = None) -> Path:
        """Where the answer to this request is (or would be) kept."""
        key = response_key(method, url, request_body)
        return self.folder / key[:2] / f"{key}.json"

    def get(self, method: str, url: str, request_body: str | None = None) -> KeptResponse | None:
        """The kept answer to this request, or None when there is none or it cannot be
        read (then asking again and keeping the new answer repairs it)."""
        path = self.path(method, url, request_body)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            kept = _kept_from_json(data)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        # A hash collision or a file copied under the wrong name: not this request's answer
        if (kept.method, kept.url, kept.request_body) != (method.upper(), url, request_body):
            return None
        return kept

    def remove(self, method: str, url: str, request_body: str | None = None) -> None:
        """Forget the answer to this request (an answer that turned out to be an error
        in a successful status, which must be asked again)."""
        self.path(method, url, request_body).unlink(missing_ok=True)

    def put(self, kept: KeptResponse) -> Path:
        """Keep an answer (replacing an older one to the same request), atomically."""
        path = self.path(kept.method, kept.url, kept.request_body)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {name: value for name, value in asdict(kept).items() if value is not None}
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                # the rename below must not reach the disk before the content does
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path


def _kept_from_json(data: Any) -> KeptResponse:
    if not isinstance(data, dict):
        raise ValueError("a kept answer is a JSON object")
    headers = data["headers"]
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise ValueError("headers are an object of strings")
    kept = KeptResponse(
        url=data["url"],
        status=data["status"],
        headers=headers,
        body=data["body"],
        fetched_at=data["fetched_at"],
        method=data.get("method", "GET"),
        request_body=data.get("request_body"),
    )
    if not (
        isinstance(kept.url, str)
        and isinstance(kept.status, int)
        and isinstance(kept.body, str)
        and isinstance(kept.fetched_at, str)
        and isinstance(kept.method, str)
        and isinstance(kept.request_body, str | None)
    ):
        raise ValueError("a kept answer's fields have the wrong types")
    return kept
