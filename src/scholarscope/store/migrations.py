"""Numbered schema migrations, applied in order, each in its own transaction.

A migration is a list of SQL statements written in the common subset of SQLite and
PostgreSQL (no AUTOINCREMENT, no SQLite-only types; ids are allocated by the store), so
both stores run the same list. Where the two have no common SQL (SQLite's FTS5, JSON
paths and trigger bodies), a step is ``PerDialect``: SQLite's text here, PostgreSQL's in
``migrations_postgres.py``, with the same meaning. The ``{without_rowid}`` marker is
SQLite's storage hint for tables keyed by text (one B-tree instead of two), which
PostgreSQL replaces by nothing. Applied migrations are recorded in ``schema_migration``;
running ``apply_migrations`` again does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scholarscope.store import migrations_postgres as postgres

if TYPE_CHECKING:
    from scholarscope.store.sqlite import Store


@dataclass(frozen=True)
class PerDialect:
    """A step written in each database's own SQL (see the module's docstring)."""

    sqlite: list[str]
    postgresql: list[str]


def _sqlite_triggers_replaced(statements: list[str], triggers: list[str]) -> list[str]:
    """``statements`` with their SQLite triggers replaced by ``triggers``, put where the
    first one was."""
    first = next(i for i, sql in enumerate(statements) if "CREATE TRIGGER" in sql)
    kept = [sql for sql in statements if "CREATE TRIGGER" not in sql]
    return [*kept[:first], *triggers, *kept[first:]]


_IDENTITY_EDITS = [
    # Every identity edit a person made (merge, split, undo), with who, when and
    # why. Append-only: an edit is undone by a later 'undo' row, never changed or
    # deleted, so the log is the whole history. ``detail`` is the JSON of what the
    # edit moved (``pipeline/identity.py``), which is what an undo moves back.
    """CREATE TABLE identity_edit (
        edit_id BIGINT PRIMARY KEY,
        kind TEXT NOT NULL,
        made_at TEXT NOT NULL,
        made_by TEXT NOT NULL,
        reason TEXT NOT NULL,
        undoes BIGINT,
        detail TEXT NOT NULL
    )""",
    """CREATE TRIGGER identity_edit_kept BEFORE UPDATE ON identity_edit BEGIN
        SELECT RAISE(ABORT, 'the identity edit log is append-only');
    END""",
    """CREATE TRIGGER identity_edit_not_deleted BEFORE DELETE ON identity_edit BEGIN
        SELECT RAISE(ABORT, 'the identity edit log is append-only');
    END""",
    # A split's pins: on this work, a byline of this folded name is this person,
    # whatever the automatic rules say; ingest consults them first.
    """CREATE TABLE author_pin (
        work_id BIGINT NOT NULL REFERENCES work (work_id),
        folded_name TEXT NOT NULL,
        author_id BIGINT NOT NULL REFERENCES author (author_id),
        edit_id BIGINT NOT NULL REFERENCES identity_edit (edit_id),
        PRIMARY KEY (work_id, folded_name)
    ) {without_rowid}""",
    "CREATE INDEX author_pin_author ON author_pin (author_id)",
    "CREATE INDEX author_pin_edit ON author_pin (edit_id)",
    # Why an authorship is with its person: rule 'key' (evidence: the source id or
    # source-context name key that found the person), 'work' (the same paper names
    # them in another source; evidence: that source), 'pin' (evidence: the edit).
    # NULL for authorships stored before this migration.
    "ALTER TABLE authorship ADD COLUMN rule TEXT",
    "ALTER TABLE authorship ADD COLUMN evidence TEXT",
]


MIGRATIONS: list[tuple[str, list[str] | PerDialect]] = [
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
    (
        # Per dialect (FTS5, JSON paths, triggers; PostgreSQL: a tsvector column over
        # work_facet and PL/pgSQL triggers).
        "m004_search_index",
        PerDialect(
            sqlite=[
                # work_facet holds each work as profile.work_view shows it (every field from the
                # first source in merged.SOURCE_PRIORITY that gives it), reduced to what search
                # and leaderboards need; tests/test_web.py checks it against work_view.
                # First, one row per source record with those fields and a key that orders a
                # work's records as SOURCE_PRIORITY does (rank, then source and record key).
                """CREATE VIEW work_record_fields AS
            SELECT work_id,
                printf('%d %s %s',
                    CASE source WHEN 'arxiv_api' THEN 0 WHEN 'arxiv_snapshot' THEN 1
                        WHEN 'openalex' THEN 2 WHEN 'semantic_scholar' THEN 3
                        WHEN 'profile_page' THEN 4 WHEN 'arxiv_feed' THEN 5 ELSE 6 END,
                    source, record_key) || char(31) AS rank_key,
                record ->> '$.title' AS title,
                record ->> '$.abstract' AS abstract,
                record ->> '$.primary_category' AS category,
                record ->> '$.field_badge' AS badge,
                record ->> '$.year' AS year,
                record ->> '$.date' AS date,
                record ->> '$.venue' AS venue,
                record ->> '$.code_badge' AS code_badge,
                record ->> '$.code_url' AS code_url
            FROM work_record""",
                # Per work, each field from the first record that gives one (merged.first_value),
                # still prefixed by that record's sort key: min() picks it without sorting.
                """CREATE VIEW work_first_fields AS
            SELECT work_id,
                min(CASE WHEN title <> '' THEN rank_key || title END) AS title,
                min(CASE WHEN abstract <> '' THEN rank_key || abstract END) AS abstract,
                min(CASE WHEN category <> '' THEN rank_key || category END) AS category,
                min(CASE WHEN badge <> '' THEN rank_key || badge END) AS badge,
                min(CASE WHEN year IS NOT NULL THEN rank_key || year END) AS year,
                min(CASE WHEN date <> '' THEN rank_key || date END) AS date,
                min(CASE WHEN venue <> '' THEN rank_key || venue END) AS venue,
                min(CASE WHEN code_badge IS NOT NULL THEN rank_key || code_badge END)
                    AS code_badge,
                min(CASE WHEN code_url <> '' THEN rank_key || code_url END) AS code_url
            FROM work_record_fields
            GROUP BY work_id""",
                # A work's facets as profile.work_view shows them: the stated category (or a
                # profile page's badge) before the predicted one; code from the text, a Code
                # badge or a code link; the venue parsed from comments before a source's.
                """CREATE VIEW work_facet_source AS
            SELECT s.work_id, s.title, s.abstract,
                CASE WHEN s.category IS NOT NULL THEN s.category
                    WHEN s.badge IS NOT NULL THEN NULL
                    ELSE e.field_category END AS field_category,
                CASE WHEN s.category IS NOT NULL
                        THEN substr(s.category, instr(s.category, '.') + 1)
                    WHEN s.badge IS NOT NULL THEN s.badge
                    ELSE e.field_badge END AS field,
                CAST(s.year AS INTEGER) AS year,
                s.date,
                CASE WHEN e.code_state = 'available' OR s.code_badge = '1'
                    OR s.code_url IS NOT NULL THEN 1 ELSE 0 END AS code,
                COALESCE(e.venue, s.venue) AS venue
            FROM (
                SELECT work_id,
                    substr(title, instr(title, char(31)) + 1) AS title,
                    substr(abstract, instr(abstract, char(31)) + 1) AS abstract,
                    substr(category, instr(category, char(31)) + 1) AS category,
                    substr(badge, instr(badge, char(31)) + 1) AS badge,
                    substr(year, instr(year, char(31)) + 1) AS year,
                    substr(date, instr(date, char(31)) + 1) AS date,
                    substr(venue, instr(venue, char(31)) + 1) AS venue,
                    substr(code_badge, instr(code_badge, char(31)) + 1) AS code_badge,
                    substr(code_url, instr(code_url, char(31)) + 1) AS code_url
                FROM work_first_fields
            ) s
            LEFT JOIN work_enrichment e ON e.work_id = s.work_id""",
                # The stored rows. The full-text index points at work_id (content_rowid), a
                # column of ours, never at SQLite's hidden rowid, which VACUUM may renumber.
                """CREATE TABLE work_facet (
                work_id BIGINT PRIMARY KEY,
                title TEXT,
                abstract TEXT,
                field_category TEXT,
                field TEXT,
                year INTEGER,
                date TEXT,
                code INTEGER NOT NULL,
                venue TEXT
            )""",
                "CREATE INDEX work_facet_field ON work_facet (field, year)",
                # Full-text index over title and abstract; the text itself stays in work_facet.
                """CREATE VIRTUAL TABLE work_search USING fts5 (
                title, abstract, content = 'work_facet', content_rowid = 'work_id',
                tokenize = 'porter unicode61 remove_diacritics 2'
            )""",
                """INSERT INTO work_facet (work_id, title, abstract, field_category, field, year,
                date, code, venue)
            SELECT work_id, title, abstract, field_category, field, year, date, code, venue
            FROM work_facet_source""",
                "INSERT INTO work_search (work_search) VALUES ('rebuild')",
                # The index follows work_facet; work_facet follows the records and enrichment.
                """CREATE TRIGGER work_facet_added AFTER INSERT ON work_facet BEGIN
                INSERT INTO work_search (rowid, title, abstract)
                VALUES (new.work_id, new.title, new.abstract);
            END""",
                """CREATE TRIGGER work_facet_removed AFTER DELETE ON work_facet BEGIN
                INSERT INTO work_search (work_search, rowid, title, abstract)
                VALUES ('delete', old.work_id, old.title, old.abstract);
            END""",
                # Enrichment changes only the facets: the text is indexed again only when the
                # title or abstract changed.
                """CREATE TRIGGER work_facet_changed AFTER UPDATE OF title, abstract ON work_facet
            WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN
                INSERT INTO work_search (work_search, rowid, title, abstract)
                VALUES ('delete', old.work_id, old.title, old.abstract);
                INSERT INTO work_search (rowid, title, abstract)
                VALUES (new.work_id, new.title, new.abstract);
            END""",
            ]
            + [
                # Refresh one work's facet row whenever a record or the enrichment of the work
                # changes (a merge moves records: both works are refreshed).
                f"""CREATE TRIGGER {name} AFTER {event} ON {table}{when} BEGIN
                INSERT INTO work_facet (work_id, title, abstract, field_category, field, year,
                    date, code, venue)
                SELECT work_id, title, abstract, field_category, field, year, date, code, venue
                FROM work_facet_source WHERE work_id = {row}.work_id
                ON CONFLICT (work_id) DO UPDATE SET title = excluded.title,
                    abstract = excluded.abstract, field_category = excluded.field_category,
                    field = excluded.field, year = excluded.year, date = excluded.date,
                    code = excluded.code, venue = excluded.venue;
                DELETE FROM work_facet WHERE work_id = {row}.work_id
                    AND NOT EXISTS (SELECT 1 FROM work_record WHERE work_id = {row}.work_id);
            END"""
                for name, event, table, when, row in (
                    ("work_record_added", "INSERT", "work_record", "", "new"),
                    ("work_record_changed", "UPDATE", "work_record", "", "new"),
                    (
                        "work_record_moved",
                        "UPDATE",
                        "work_record",
                        " WHEN old.work_id <> new.work_id",
                        "old",
                    ),
                    ("work_record_removed", "DELETE", "work_record", "", "old"),
                    ("work_enrichment_added", "INSERT", "work_enrichment", "", "new"),
                    ("work_enrichment_changed", "UPDATE", "work_enrichment", "", "new"),
                    ("work_enrichment_removed", "DELETE", "work_enrichment", "", "old"),
                )
            ],
            postgresql=postgres.M004,
        ),
    ),
    (
        "m005_merged_ids",
        [
            # When two works (found to be one at ingest) or two authors (merged by an
            # administrator) become one, the id that disappears keeps leading to the one
            # that stays: ids shown on pages and in the API stay valid.
            """CREATE TABLE work_alias (
                old_id BIGINT PRIMARY KEY,
                work_id BIGINT NOT NULL REFERENCES work (work_id)
            )""",
            "CREATE INDEX work_alias_work ON work_alias (work_id)",
            """CREATE TABLE author_alias (
                old_id BIGINT PRIMARY KEY,
                author_id BIGINT NOT NULL REFERENCES author (author_id),
                merged_at TEXT NOT NULL
            )""",
            "CREATE INDEX author_alias_author ON author_alias (author_id)",
        ],
    ),
    (
        "m006_search_index_optimized",
        # Databases ingested before ingest merged the full-text index into one segment
        # (``Store.optimize_after_writes``), merged once.
        PerDialect(["INSERT INTO work_search (work_search) VALUES ('optimize')"], postgres.M006),
    ),
    (
        # Per dialect, like m004 (FTS5, triggers).
        "m007_search_text_bounded",
        # The full-text index reads at most the first 5,000 characters of a title and of
        # an abstract; work_facet and the source records keep the text whole. Why: FTS5's
        # snippet() takes time in the square of the matches in one text (a 320 KB abstract
        # of one repeated word took 17 s to snippet, and a server process answers nothing
        # else meanwhile). 5,000 characters index every real abstract whole: the longest
        # of the 60,419 in ../shared/data/arxiv-cs is 3,488 characters (arXiv asks for at
        # most 1,920), the longest Semantic Scholar one 4,408; only OpenAlex "abstracts"
        # that are whole scraped pages (up to 30,000) are cut. The worst 5,000-character
        # text (one-letter words, all matching) snippets in about 30 ms.
        PerDialect(
            sqlite=[
                # The index's external content becomes a view with the bounded text, so
                # snippet() reads that text too, never the whole of work_facet's.
                "DROP TRIGGER work_facet_added",
                "DROP TRIGGER work_facet_removed",
                "DROP TRIGGER work_facet_changed",
                "DROP TABLE work_search",
                """CREATE VIEW work_search_text AS
            SELECT work_id, substr(title, 1, 5000) AS title, substr(abstract, 1, 5000) AS abstract
            FROM work_facet""",
                """CREATE VIRTUAL TABLE work_search USING fts5 (
                title, abstract, content = 'work_search_text', content_rowid = 'work_id',
                tokenize = 'porter unicode61 remove_diacritics 2'
            )""",
                "INSERT INTO work_search (work_search) VALUES ('rebuild')",
                "INSERT INTO work_search (work_search) VALUES ('optimize')",
                # m004's triggers, each given the bounded text (a 'delete' must be given
                # exactly the text that was indexed).
                """CREATE TRIGGER work_facet_added AFTER INSERT ON work_facet BEGIN
                INSERT INTO work_search (rowid, title, abstract)
                VALUES (new.work_id, substr(new.title, 1, 5000), substr(new.abstract, 1, 5000));
            END""",
                """CREATE TRIGGER work_facet_removed AFTER DELETE ON work_facet BEGIN
                INSERT INTO work_search (work_search, rowid, title, abstract)
                VALUES ('delete', old.work_id, substr(old.title, 1, 5000),
                    substr(old.abstract, 1, 5000));
            END""",
                """CREATE TRIGGER work_facet_changed AFTER UPDATE OF title, abstract ON work_facet
            WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN
                INSERT INTO work_search (work_search, rowid, title, abstract)
                VALUES ('delete', old.work_id, substr(old.title, 1, 5000),
                    substr(old.abstract, 1, 5000));
                INSERT INTO work_search (rowid, title, abstract)
                VALUES (new.work_id, substr(new.title, 1, 5000), substr(new.abstract, 1, 5000));
            END""",
            ],
            postgresql=postgres.M007,
        ),
    ),
    (
        "m008_identity_edits",
        PerDialect(
            _IDENTITY_EDITS, _sqlite_triggers_replaced(_IDENTITY_EDITS, postgres.M008_TRIGGERS)
        ),
    ),
    (
        "m009_work_versions",
        [
            # Two works that are versions of one paper (a preprint and its journal
            # article), found at ingest by a rule of ``versions.py``: each keeps its own
            # records, ids and figures. Stored both ways round (a work's links are the
            # rows of its work_id), with the rule, its confidence (0-1) and the evidence.
            """CREATE TABLE work_version_link (
                work_id BIGINT NOT NULL REFERENCES work (work_id),
                other_id BIGINT NOT NULL REFERENCES work (work_id),
                rule TEXT NOT NULL,
                confidence DOUBLE PRECISION NOT NULL,
                evidence TEXT NOT NULL,
                linked_at TEXT NOT NULL,
                PRIMARY KEY (work_id, other_id)
            ) {without_rowid}""",
            # The version group of every linked work (the connected set of its links),
            # named by the group's primary version (``versions.primary_version``): the
            # one that stands for the paper in an author's figures.
            """CREATE TABLE work_version (
                work_id BIGINT PRIMARY KEY REFERENCES work (work_id),
                primary_id BIGINT NOT NULL REFERENCES work (work_id)
            )""",
            "CREATE INDEX work_version_link_other ON work_version_link (other_id)",
            "CREATE INDEX work_version_primary ON work_version (primary_id)",
        ],
    ),
    (
        # Per dialect, like m004 (its views).
        "m010_field_keys",
        # A work's field becomes a key in a named taxonomy (taxonomy.py): 'arxiv:cs.CV',
        # 'openalex:fields/19', 's2:Geology'. A record states one by an arXiv primary
        # category, else its first stated field (an OpenAlex primary topic's field, S2's
        # fields of study, a profile page's badge); the first record in source order that
        # states one gives the work's, else the enrichment's category (chosen among a
        # multi-category record's stated categories, or predicted). work_facet.field holds
        # the key; facets, filters, cohorts and leaderboards group by it.
        PerDialect(
            sqlite=[
                "DROP VIEW work_facet_source",
                "DROP VIEW work_first_fields",
                "DROP VIEW work_record_fields",
                """CREATE VIEW work_record_fields AS
            SELECT work_id,
                printf('%d %s %s',
                    CASE source WHEN 'arxiv_api' THEN 0 WHEN 'arxiv_snapshot' THEN 1
                        WHEN 'openalex' THEN 2 WHEN 'semantic_scholar' THEN 3
                        WHEN 'profile_page' THEN 4 WHEN 'arxiv_feed' THEN 5 ELSE 6 END,
                    source, record_key) || char(31) AS rank_key,
                record ->> '$.title' AS title,
                record ->> '$.abstract' AS abstract,
                CASE WHEN (record ->> '$.primary_category') <> ''
                        THEN 'arxiv:' || (record ->> '$.primary_category')
                    WHEN (record ->> '$.stated_fields[0]') <> ''
                        THEN record ->> '$.stated_fields[0]'
                    -- a profile page stored before pages stated a key: its badge
                    WHEN (record ->> '$.field_badge') IN ('IV', 'SP', 'AS')
                        THEN 'arxiv:eess.' || (record ->> '$.field_badge')
                    WHEN (record ->> '$.field_badge') <> ''
                        THEN 'arxiv:cs.' || (record ->> '$.field_badge')
                END AS field_key,
                record ->> '$.year' AS year,
                record ->> '$.date' AS date,
                record ->> '$.venue' AS venue,
                record ->> '$.code_badge' AS code_badge,
                record ->> '$.code_url' AS code_url
            FROM work_record""",
                """CREATE VIEW work_first_fields AS
            SELECT work_id,
                min(CASE WHEN title <> '' THEN rank_key || title END) AS title,
                min(CASE WHEN abstract <> '' THEN rank_key || abstract END) AS abstract,
                min(CASE WHEN field_key <> '' THEN rank_key || field_key END) AS field_key,
                min(CASE WHEN year IS NOT NULL THEN rank_key || year END) AS year,
                min(CASE WHEN date <> '' THEN rank_key || date END) AS date,
                min(CASE WHEN venue <> '' THEN rank_key || venue END) AS venue,
                min(CASE WHEN code_badge IS NOT NULL THEN rank_key || code_badge END)
                    AS code_badge,
                min(CASE WHEN code_url <> '' THEN rank_key || code_url END) AS code_url
            FROM work_record_fields
            GROUP BY work_id""",
                """CREATE VIEW work_facet_source AS
            SELECT work_id, title, abstract,
                CASE WHEN field LIKE 'arxiv:%' THEN substr(field, 7) END AS field_category,
                field, year, date, code, venue
            FROM (
                SELECT s.work_id, s.title, s.abstract,
                    COALESCE(s.field_key, 'arxiv:' || e.field_category) AS field,
                    CAST(s.year AS INTEGER) AS year,
                    s.date,
                    CASE WHEN e.code_state = 'available' OR s.code_badge = '1'
                        OR s.code_url IS NOT NULL THEN 1 ELSE 0 END AS code,
                    COALESCE(e.venue, s.venue) AS venue
                FROM (
                    SELECT work_id,
                        substr(title, instr(title, char(31)) + 1) AS title,
                        substr(abstract, instr(abstract, char(31)) + 1) AS abstract,
                        substr(field_key, instr(field_key, char(31)) + 1) AS field_key,
                        substr(year, instr(year, char(31)) + 1) AS year,
                        substr(date, instr(date, char(31)) + 1) AS date,
                        substr(venue, instr(venue, char(31)) + 1) AS venue,
                        substr(code_badge, instr(code_badge, char(31)) + 1) AS code_badge,
                        substr(code_url, instr(code_url, char(31)) + 1) AS code_url
                    FROM work_first_fields
                ) s
                LEFT JOIN work_enrichment e ON e.work_id = s.work_id
            )""",
                """UPDATE work_facet SET field = source.field,
                field_category = source.field_category
            FROM work_facet_source AS source WHERE source.work_id = work_facet.work_id""",
            ],
            postgresql=postgres.M010,
        ),
    ),
    (
        "m011_venue_workshop_name",
        # A workshop's own name beside its host venue ("BioNLP" at ACL); works enriched
        # before keep NULL until enriched again.
        ["ALTER TABLE work_enrichment ADD COLUMN venue_workshop_name TEXT"],
    ),
    (
        "m012_stated_metrics_history",
        # A source's figures about a person are kept per date (``as_of``): fetching the
        # same author again later adds a row instead of replacing one, so a profile can
        # show each source's figure history. The current figures are the latest row of
        # each (source, origin).
        [
            """CREATE TABLE stated_metrics_dated (
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
                PRIMARY KEY (author_id, source, origin, as_of)
            )""",
            """INSERT INTO stated_metrics_dated SELECT author_id, source, origin, as_of, field,
                h_index, i10_index, papers, citations, novelty, ai_score FROM stated_metrics""",
            "DROP TABLE stated_metrics",
            "ALTER TABLE stated_metrics_dated RENAME TO stated_metrics",
        ],
    ),
    (
        "m013_follows_and_harvests",
        # What `scholarscope follow` keeps for `scholarscope sync`: an author
        # ('openalex:A…', 's2:…') or an arXiv category ('arxiv:cs.CV') and when it was
        # last brought up to date; and per harvest (an arXiv category, a round of the
        # followed authors) the date every record up to which is stored (where the next
        # harvest starts) and, while one runs, when it began (a re-run after a kill goes
        # on with the answers kept since then instead of asking again).
        [
            """CREATE TABLE follow (
                target TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                added_at TEXT NOT NULL,
                synced_at TEXT
            )""",
            """CREATE TABLE harvest (
                name TEXT PRIMARY KEY,
                stored_through TEXT,
                running_since TEXT,
                updated_at TEXT NOT NULL
            )""",
        ],
    ),
    (
        "m014_harvest_checkpoint",
        # The day an unfinished run asked from (taken up again, it asks the same first
        # page and finds it kept), and how far it got: every record dated before
        # ``checkpoint`` is stored. A run abandoned on an earlier day (its resumption
        # tokens expired at midnight) is followed by one that starts at the checkpoint.
        [
            "ALTER TABLE harvest ADD COLUMN running_from TEXT",
            "ALTER TABLE harvest ADD COLUMN checkpoint TEXT",
        ],
    ),
    (
        "m015_data_version",
        # A number every committed write adds one to, on a database server: how a web
        # server knows its caches are stale (a SQLite file's size and time say it there).
        [
            "CREATE TABLE data_version (n BIGINT NOT NULL)",
            "INSERT INTO data_version (n) VALUES (0)",
        ],
    ),
    (
        "m016_facets_follow_statements",
        # On PostgreSQL the facet rows follow the records once per statement (transition
        # tables), so that a bulk load's one INSERT of 2,000 records refreshes their works
        # in one set-based statement. SQLite has no statement triggers: its ingest sets
        # the row triggers aside for a batch instead (``Store.upsert_work_records``).
        PerDialect(sqlite=[], postgresql=postgres.M016),
    ),
    (
        "m017_full_text_keeps_every_word",
        # PostgreSQL's full text keeps the words its English configuration drops as
        # stopwords, as SQLite's FTS5 does (m004).
        PerDialect(sqlite=[], postgresql=postgres.M017),
    ),
]


def pending_migrations(store: Store) -> list[str]:
    """Names of the migrations this database has not had (read only)."""
    tables = store.has_table("schema_migration")
    done = {row[0] for row in store.query("SELECT name FROM schema_migration")} if tables else set()
    return [name for name, _ in MIGRATIONS if name not in done]


def statements(step: list[str] | PerDialect, dialect: str) -> list[str]:
    """A step's statements for ``dialect`` ("sqlite" or "postgresql")."""
    if isinstance(step, PerDialect):
        return step.postgresql if dialect == "postgresql" else step.sqlite
    return step


def apply_migrations(store: Store) -> list[str]:
    """Apply every migration not yet recorded, each in one transaction; return their names."""
    store.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TEXT)"
    )
    done = {row[0] for row in store.query("SELECT name FROM schema_migration")}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        with store.transaction():
            # another process opening the database at the same moment may have applied
            # it while we waited for the write lock
            if store.query("SELECT 1 FROM schema_migration WHERE name = ?", (name,)):
                continue
            for statement in statements(step, store.dialect):
                store.execute(statement.replace("{without_rowid}", store.without_rowid))
            store.execute(
                "INSERT INTO schema_migration (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)",
                (name,),
            )
        applied.append(name)
    return applied
