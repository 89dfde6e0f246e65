"""Numbered schema migrations, applied in order, each in its own transaction.

A migration is a list of SQL statements written in the common subset of SQLite and
PostgreSQL (no AUTOINCREMENT, no SQLite-only types; ids are allocated by the store), so
the PostgreSQL store can run the same list. The one dialect difference is the
``{without_rowid}`` marker: SQLite's storage hint for tables keyed by text (one B-tree
instead of two), which other databases replace by nothing. Applied migrations are recorded in
``schema_migration``; running ``apply_migrations`` again does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scholarscope.store.sqlite import Store

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "m001_works_authors_citations",
        [
            # A work is the merged entity; everything a source says hangs off it.
            """CREATE TABLE work (
                work_id BIGINT PRIMARY KEY,
                created_at TEXT NOT NULL
            )""",
            # Every id (arxiv:…, doi:…, openalex:W…, s2:…) and title key that leads to a work.
            """CREATE TABLE work_key (
                key TEXT PRIMARY KEY,
                work_id BIGINT NOT NULL REFERENCES work (work_id)
            ) {without_rowid}""",
            "CREATE INDEX work_key_work ON work_key (work_id)",
            # One source's description of a work, kept whole (JSON of the parsed Work).
            """CREATE TABLE work_record (
                source TEXT NOT NULL,
                record_key TEXT NOT NULL,
                work_id BIGINT NOT NULL REFERENCES work (work_id),
                origin TEXT NOT NULL,
                seq BIGINT NOT NULL,
                record_hash TEXT NOT NULL,
                record TEXT NOT NULL,
                ingested_at TEXT NOT NULL,
                PRIMARY KEY (source, record_key)
            )""",
            "CREATE INDEX work_record_work ON work_record (work_id)",
            # Citation figures per work, per source, per date: never mixed, history kept.
            """CREATE TABLE citation (
                work_id BIGINT NOT NULL REFERENCES work (work_id),
                source TEXT NOT NULL,
                as_of TEXT NOT NULL,
                count BIGINT NOT NULL,
                by_year TEXT NOT NULL,
                PRIMARY KEY (work_id, source, as_of)
            )""",
            """CREATE TABLE author (
                author_id BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                folded_name TEXT NOT NULL
            )""",
            "CREATE INDEX author_folded_name ON author (folded_name)",
            # Source ids (openalex:A…, s2:…, orcid:…) and name keys of a source context
            # ('name:arxiv:shiming ge') that lead to an author.
            """CREATE TABLE author_key (
                key TEXT PRIMARY KEY,
                author_id BIGINT NOT NULL REFERENCES author (author_id)
            ) {without_rowid}""",
            "CREATE INDEX author_key_author ON author_key (author_id)",
            """CREATE TABLE authorship (
                work_id BIGINT NOT NULL REFERENCES work (work_id),
                author_id BIGINT NOT NULL REFERENCES author (author_id),
                source TEXT NOT NULL,
                position BIGINT,
                name_as_written TEXT NOT NULL,
                affiliation TEXT,
                PRIMARY KEY (work_id, author_id, source)
            ) {without_rowid}""",
            "CREATE INDEX authorship_author ON authorship (author_id)",
            # Figures a source states about a person, kept beside ours.
            """CREATE TABLE stated_metrics (
                author_id BIGINT NOT NULL REFERENCES author (author_id),
                source TEXT NOT NULL,
                origin TEXT NOT NULL,
                as_of TEXT NOT NULL,
                field TEXT,
                h_index BIGINT,
                i10_index BIGINT,
                papers BIGINT,
                citations BIGINT,
                novelty BIGINT,
                ai_score BIGINT,
                PRIMARY KEY (author_id, source, origin)
            )""",
        ],
    ),
    (
        "m002_work_enrichment",
        [
            # What enrichment derived for a work from the text of its records: a predicted
            # field (only when no source states one), code status, venue and status.
            """CREATE TABLE work_enrichment (
                work_id BIGINT PRIMARY KEY REFERENCES work (work_id),
                enriched_at TEXT NOT NULL,
                field_category TEXT,
                field_badge TEXT,
                field_confidence DOUBLE PRECISION,
                field_model TEXT,
                code_state TEXT NOT NULL,
                code_url TEXT,
                code_urls TEXT NOT NULL,
                code_evidence TEXT,
                venue TEXT,
                venue_year BIGINT,
                venue_status TEXT,
                venue_workshop BIGINT,
                venue_presentation TEXT,
                pages BIGINT,
                figures BIGINT,
                tables_count BIGINT,
                venue_doi TEXT,
                venue_text TEXT,
                venue_parsed BIGINT
            )""",
        ],
    ),
    (
        "m003_embeddings_novelty_scores",
        [
            # One vector per text and embedding model: a work's text is hashed, so a work
            # whose title and abstract did not change is never embedded again, and works
            # with the same text share a vector. BYTEA holds float32 bytes (SQLite stores
            # the bytes as given; PostgreSQL's binary type).
            """CREATE TABLE embedding (
                content_hash TEXT NOT NULL,
                model TEXT NOT NULL,
                vector BYTEA NOT NULL,
                PRIMARY KEY (content_hash, model)
            ) {without_rowid}""",
            # A work's novelty: its k nearest earlier works (JSON [[work_id, similarity]…]),
            # the raw figure from their similarities, and its percentile in its cohort.
            # novelty_raw is NULL when there are too few earlier works (reason says so).
            """CREATE TABLE work_novelty (
                work_id BIGINT PRIMARY KEY REFERENCES work (work_id),
                model TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                novelty_date TEXT,
                earlier_works BIGINT NOT NULL,
                neighbours TEXT NOT NULL,
                novelty_raw DOUBLE PRECISION,
                reason TEXT,
                cohort TEXT,
                novelty_percentile DOUBLE PRECISION,
                computed_at TEXT NOT NULL
            )""",
            # A work's AI Score with its breakdown (JSON: each component's value, weight).
            """CREATE TABLE work_score (
                work_id BIGINT PRIMARY KEY REFERENCES work (work_id),
                ai_score DOUBLE PRECISION,
                breakdown TEXT NOT NULL,
                computed_at TEXT NOT NULL
            )""",
        ],
    ),
]


def apply_migrations(store: Store) -> list[str]:
    """Apply every migration not yet recorded, each in one transaction; return their names."""
    store.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TEXT)"
    )
    done = {row[0] for row in store.query("SELECT name FROM schema_migration")}
    applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        with store.transaction():
            for statement in statements:
                store.execute(statement.replace("{without_rowid}", store.without_rowid))
            store.execute(
                "INSERT INTO schema_migration (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)",
                (name,),
            )
        applied.append(name)
    return applied
