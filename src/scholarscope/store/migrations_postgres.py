"""PostgreSQL's own text of the migration steps that SQLite writes in its own dialect
(``migrations.py`` marks them ``PerDialect``): the full-text index, the views that read
the source records' JSON, and the trigger bodies. Each keeps the meaning of its SQLite
twin; where the two differ, the comment says how.

- JSON: a record is TEXT holding JSON; ``record::jsonb ->> 'title'`` reads what SQLite's
  ``record ->> '$.title'`` does. A JSON boolean reads as ``'true'``/``'false'`` here and
  as ``1``/``0`` in SQLite: the views turn it into ``'1'``/``'0'`` so both agree.
- Order: ``min()`` over the records' rank keys picks the first record in source order;
  ``COLLATE "C"`` makes it byte order, as SQLite's, whatever the database's collation.
- Full text: a ``tsvector`` column generated from the first 5,000 characters of the title
  (weight A) and the abstract (weight B), with a GIN index, in place of FTS5 (m004 and
  m007 together; m006, FTS5's merge of segments, has nothing to do here).
- Triggers: one PL/pgSQL function refreshes a work's facet row; row triggers on the
  records and the enrichment call it, as m004's SQLite triggers do.
"""

from __future__ import annotations

# The source order of merged.SOURCE_PRIORITY, as a rank digit (m004's CASE).
_RANK = (
    "CASE source WHEN 'arxiv_api' THEN 0 WHEN 'arxiv_snapshot' THEN 1 "
    "WHEN 'openalex' THEN 2 WHEN 'semantic_scholar' THEN 3 "
    "WHEN 'profile_page' THEN 4 WHEN 'arxiv_feed' THEN 5 ELSE 6 END"
)
_RANK_KEY = f"format('%s %s %s', {_RANK}, source, record_key) || chr(31)"
_CODE_BADGE = "CASE record::jsonb ->> 'code_badge' WHEN 'true' THEN '1' WHEN 'false' THEN '0' END"


def _first(column: str, present: str = "<> ''") -> str:
    """m004's "first record that gives one": the smallest rank key + value."""
    return (
        f'min(CASE WHEN {column} {present} THEN rank_key || {column} END COLLATE "C") AS {column}'
    )


def _after_key(column: str) -> str:
    """The value of a ``rank_key || value`` string."""
    return f"substr({column}, strpos({column}, chr(31)) + 1) AS {column}"


_FACET_COLUMNS = "work_id, title, abstract, field_category, field, year, date, code, venue"

M004 = [
    f"""CREATE VIEW work_record_fields AS
    SELECT work_id, {_RANK_KEY} AS rank_key,
        record::jsonb ->> 'title' AS title,
        record::jsonb ->> 'abstract' AS abstract,
        record::jsonb ->> 'primary_category' AS category,
        record::jsonb ->> 'field_badge' AS badge,
        record::jsonb ->> 'year' AS year,
        record::jsonb ->> 'date' AS date,
        record::jsonb ->> 'venue' AS venue,
        {_CODE_BADGE} AS code_badge,
        record::jsonb ->> 'code_url' AS code_url
    FROM work_record""",
    f"""CREATE VIEW work_first_fields AS
    SELECT work_id, {_first("title")}, {_first("abstract")}, {_first("category")},
        {_first("badge")}, {_first("year", "IS NOT NULL")}, {_first("date")},
        {_first("venue")}, {_first("code_badge", "IS NOT NULL")}, {_first("code_url")}
    FROM work_record_fields
    GROUP BY work_id""",
    f"""CREATE VIEW work_facet_source AS
    SELECT s.work_id, s.title, s.abstract,
        CASE WHEN s.category IS NOT NULL THEN s.category
            WHEN s.badge IS NOT NULL THEN NULL
            ELSE e.field_category END AS field_category,
        CASE WHEN s.category IS NOT NULL THEN substr(s.category, strpos(s.category, '.') + 1)
            WHEN s.badge IS NOT NULL THEN s.badge
            ELSE e.field_badge END AS field,
        CAST(s.year AS INTEGER) AS year,
        s.date,
        CASE WHEN e.code_state = 'available' OR s.code_badge = '1'
            OR s.code_url IS NOT NULL THEN 1 ELSE 0 END AS code,
        COALESCE(e.venue, s.venue) AS venue
    FROM (
        SELECT work_id, {_after_key("title")}, {_after_key("abstract")},
            {_after_key("category")}, {_after_key("badge")}, {_after_key("year")},
            {_after_key("date")}, {_after_key("venue")}, {_after_key("code_badge")},
            {_after_key("code_url")}
        FROM work_first_fields
    ) s
    LEFT JOIN work_enrichment e ON e.work_id = s.work_id""",
    """CREATE TABLE work_facet (
        work_id BIGINT PRIMARY KEY,
        title TEXT,
        abstract TEXT,
        field_category TEXT,
        field TEXT,
        year INTEGER,
        date TEXT,
        code INTEGER NOT NULL,
        venue TEXT,
        search tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', left(coalesce(title, ''), 5000)), 'A')
            || setweight(to_tsvector('english', left(coalesce(abstract, ''), 5000)), 'B')
        ) STORED
    )""",
    "CREATE INDEX work_facet_field ON work_facet (field, year)",
    "CREATE INDEX work_facet_search ON work_facet USING GIN (search)",
    f"INSERT INTO work_facet ({_FACET_COLUMNS}) SELECT {_FACET_COLUMNS} FROM work_facet_source",
    f"""CREATE FUNCTION work_facet_refresh(target BIGINT) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO work_facet ({_FACET_COLUMNS})
        SELECT {_FACET_COLUMNS} FROM work_facet_source WHERE work_id = target
        ON CONFLICT (work_id) DO UPDATE SET title = excluded.title,
            abstract = excluded.abstract, field_category = excluded.field_category,
            field = excluded.field, year = excluded.year, date = excluded.date,
            code = excluded.code, venue = excluded.venue;
        DELETE FROM work_facet WHERE work_id = target
            AND NOT EXISTS (SELECT 1 FROM work_record WHERE work_id = target);
    END $$""",
    """CREATE FUNCTION work_facet_follow() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'DELETE' THEN
            PERFORM work_facet_refresh(NEW.work_id);
        END IF;
        IF TG_OP = 'DELETE' OR OLD.work_id <> NEW.work_id THEN
            PERFORM work_facet_refresh(OLD.work_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER work_record_facet AFTER INSERT OR UPDATE OR DELETE ON work_record
    FOR EACH ROW EXECUTE FUNCTION work_facet_follow()""",
    """CREATE TRIGGER work_enrichment_facet AFTER INSERT OR UPDATE OR DELETE
    ON work_enrichment FOR EACH ROW EXECUTE FUNCTION work_facet_follow()""",
]

M006: list[str] = []  # FTS5 merges its segments; a GIN index needs no such step
M007: list[str] = []  # m004's tsvector reads at most 5,000 characters of each text already

M008_TRIGGERS = [
    """CREATE FUNCTION identity_edit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the identity edit log is append-only';
    END $$""",
    """CREATE TRIGGER identity_edit_kept BEFORE UPDATE ON identity_edit
    FOR EACH ROW EXECUTE FUNCTION identity_edit_append_only()""",
    """CREATE TRIGGER identity_edit_not_deleted BEFORE DELETE ON identity_edit
    FOR EACH ROW EXECUTE FUNCTION identity_edit_append_only()""",
]


def _work_record_fields(record: str, source: str) -> str:
    """m010's view of each record's fields, read from the JSON ``record`` (an expression
    over the rows of ``source``)."""
    field_key = f"""CASE WHEN ({record} ->> 'primary_category') <> ''
            THEN 'arxiv:' || ({record} ->> 'primary_category')
        WHEN ({record} -> 'stated_fields' ->> 0) <> ''
            THEN {record} -> 'stated_fields' ->> 0
        WHEN ({record} ->> 'field_badge') IN ('IV', 'SP', 'AS')
            THEN 'arxiv:eess.' || ({record} ->> 'field_badge')
        WHEN ({record} ->> 'field_badge') <> ''
            THEN 'arxiv:cs.' || ({record} ->> 'field_badge')
    END"""
    code_badge = _CODE_BADGE.replace("record::jsonb", record)
    return f"""CREATE VIEW work_record_fields AS
    SELECT work_id, {_RANK_KEY} AS rank_key,
        {record} ->> 'title' AS title,
        {record} ->> 'abstract' AS abstract,
        {field_key} AS field_key,
        {record} ->> 'year' AS year,
        {record} ->> 'date' AS date,
        {record} ->> 'venue' AS venue,
        {code_badge} AS code_badge,
        {record} ->> 'code_url' AS code_url
    FROM {source}"""


_WORK_FIRST_FIELDS = f"""CREATE VIEW work_first_fields AS
    SELECT work_id, {_first("title")}, {_first("abstract")}, {_first("field_key")},
        {_first("year", "IS NOT NULL")}, {_first("date")}, {_first("venue")},
        {_first("code_badge", "IS NOT NULL")}, {_first("code_url")}
    FROM work_record_fields
    GROUP BY work_id"""

_WORK_FACET_SOURCE = f"""CREATE VIEW work_facet_source AS
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
            SELECT work_id, {_after_key("title")}, {_after_key("abstract")},
                {_after_key("field_key")}, {_after_key("year")}, {_after_key("date")},
                {_after_key("venue")}, {_after_key("code_badge")}, {_after_key("code_url")}
            FROM work_first_fields
        ) s
        LEFT JOIN work_enrichment e ON e.work_id = s.work_id
    ) f"""

M010 = [
    "DROP VIEW work_facet_source",
    "DROP VIEW work_first_fields",
    "DROP VIEW work_record_fields",
    _work_record_fields("record::jsonb", "work_record"),
    _WORK_FIRST_FIELDS,
    _WORK_FACET_SOURCE,
    """UPDATE work_facet SET field = source.field, field_category = source.field_category
    FROM work_facet_source AS source WHERE source.work_id = work_facet.work_id""",
]

# m016: the facet rows follow the records and the enrichment once per statement, not per
# row. A statement's changed rows arrive as transition tables (PostgreSQL 10+), and one
# set-based refresh over their works replaces a PL/pgSQL call per row: a bulk load's
# ``INSERT … SELECT`` from its staging table (``postgres.py``) then refreshes 2,000 works
# in one statement. PostgreSQL allows transition tables on one event per trigger, hence
# three triggers per table. The SQLite step is empty: its ingest writes records with
# the row triggers set aside for the batch and refreshes the same way (``sqlite.py``).
_REFRESH_SET = f"""
        INSERT INTO work_facet ({_FACET_COLUMNS})
        SELECT {_FACET_COLUMNS} FROM work_facet_source WHERE work_id = ANY(targets)
        ON CONFLICT (work_id) DO UPDATE SET title = excluded.title,
            abstract = excluded.abstract, field_category = excluded.field_category,
            field = excluded.field, year = excluded.year, date = excluded.date,
            code = excluded.code, venue = excluded.venue;
        DELETE FROM work_facet f WHERE f.work_id = ANY(targets)
            AND NOT EXISTS (SELECT 1 FROM work_record r WHERE r.work_id = f.work_id);"""


def _statement_triggers(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_facet_added AFTER INSERT ON {table}
        REFERENCING NEW TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION work_facets_follow_new()""",
        f"""CREATE TRIGGER {table}_facet_changed AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS earlier_rows NEW TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION work_facets_follow_both()""",
        f"""CREATE TRIGGER {table}_facet_removed AFTER DELETE ON {table}
        REFERENCING OLD TABLE AS earlier_rows
        FOR EACH STATEMENT EXECUTE FUNCTION work_facets_follow_old()""",
    ]


M016 = [
    # Each record's JSON parsed once, not once per field read (the OFFSET 0 keeps the
    # planner from copying the cast into every reference): a batch's facet refresh
    # took 460 µs a work, nine parses of its record, before.
    "DROP VIEW work_facet_source",
    "DROP VIEW work_first_fields",
    "DROP VIEW work_record_fields",
    _work_record_fields(
        "parsed.fields",
        "work_record CROSS JOIN LATERAL (SELECT record::jsonb AS fields OFFSET 0) AS parsed",
    ),
    _WORK_FIRST_FIELDS,
    _WORK_FACET_SOURCE,
    "DROP TRIGGER work_record_facet ON work_record",
    "DROP TRIGGER work_enrichment_facet ON work_enrichment",
    f"""CREATE FUNCTION work_facets_refresh(targets BIGINT[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN{_REFRESH_SET}
    END $$""",
    """CREATE FUNCTION work_facets_follow_new() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM work_facets_refresh(ARRAY(SELECT DISTINCT work_id FROM changed_rows));
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION work_facets_follow_both() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM work_facets_refresh(ARRAY(SELECT work_id FROM changed_rows
            UNION SELECT work_id FROM earlier_rows));
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION work_facets_follow_old() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM work_facets_refresh(ARRAY(SELECT DISTINCT work_id FROM earlier_rows));
        RETURN NULL;
    END $$""",
    *_statement_triggers("work_record"),
    *_statement_triggers("work_enrichment"),
    "DROP FUNCTION work_facet_follow()",
    "DROP FUNCTION work_facet_refresh(BIGINT)",
]

# m017: the full text stems English words as before but keeps every word, as SQLite's
# FTS5 (porter tokenizer, no stopword list) does: with PostgreSQL's 'english' stopwords
# a search for "all" or "more" found nothing, and a phrase lost its stopwords ("whom
# differential" matched 1,623 works, FTS5 1). ``TEXT_SEARCH`` names the configuration,
# for the index and for the queries (``search_postgres.py``).
TEXT_SEARCH = "scholarscope_english"

M017 = [
    "CREATE TEXT SEARCH DICTIONARY scholarscope_english_stem "
    "(TEMPLATE = snowball, LANGUAGE = english)",
    f"CREATE TEXT SEARCH CONFIGURATION {TEXT_SEARCH} (COPY = english)",
    f"""ALTER TEXT SEARCH CONFIGURATION {TEXT_SEARCH} ALTER MAPPING FOR asciiword,
    asciihword, hword_asciipart, word, hword, hword_part WITH scholarscope_english_stem""",
    "ALTER TABLE work_facet DROP COLUMN search",  # and its GIN index
    f"""ALTER TABLE work_facet ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('{TEXT_SEARCH}', left(coalesce(title, ''), 5000)), 'A')
        || setweight(to_tsvector('{TEXT_SEARCH}', left(coalesce(abstract, ''), 5000)), 'B')
    ) STORED""",
    "CREATE INDEX work_facet_search ON work_facet USING GIN (search)",
]
