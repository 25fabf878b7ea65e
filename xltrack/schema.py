"""The history's schema, as the migrations that build it: version N is the first N scripts,
each run in one transaction by store.connect. A script is never edited once released; a
change is a new script at the end.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        kind TEXT,
        subsidiary TEXT,
        period TEXT,
        revision INTEGER NOT NULL DEFAULT 1,
        contract_version INTEGER,
        unit TEXT,
        preparer TEXT,
        prepared_on TEXT,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded')),
        superseded_by INTEGER REFERENCES submissions(id),
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        findings TEXT NOT NULL
    );
    CREATE UNIQUE INDEX submissions_bytes ON submissions (sha256, COALESCE(kind, ''));
    CREATE INDEX submissions_slot ON submissions (subsidiary, kind, period, revision);
    CREATE TABLE facts (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        project TEXT NOT NULL,
        tbl TEXT NOT NULL,
        item TEXT NOT NULL,
        measure TEXT NOT NULL,
        month TEXT NOT NULL,
        amount REAL NOT NULL,
        sheet TEXT NOT NULL,
        cell TEXT NOT NULL
    );
    CREATE INDEX facts_submission ON facts (submission_id);
    CREATE INDEX facts_project ON facts (project, tbl);
    CREATE TABLE records (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        tbl TEXT NOT NULL,
        excel_row INTEGER NOT NULL,
        project TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX records_submission ON records (submission_id, tbl);
    CREATE TABLE restatements (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        superseded_id INTEGER NOT NULL REFERENCES submissions(id),
        project TEXT NOT NULL,
        tbl TEXT NOT NULL,
        item TEXT NOT NULL,
        measure TEXT NOT NULL,
        month TEXT NOT NULL,
        old_amount REAL,
        new_amount REAL,
        cell TEXT
    );
    """,
    # Version 2: amounts are kept a table row to a row (a plan row's twelve months side by
    # side) rather than an amount to a row: a twelfth of the rows to write and to read.
    # `facts` stays, as a view giving the same amount-to-a-row form as before, so that what
    # reads it (restatements, explain) is unchanged. Version-1 facts are moved over as
    # one-amount rows, their cells split into column letters and row.
    """
    CREATE TABLE amounts (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        project TEXT NOT NULL,
        tbl TEXT NOT NULL,
        item TEXT NOT NULL,
        measure TEXT NOT NULL,
        sheet TEXT NOT NULL,
        excel_row INTEGER NOT NULL,
        year INTEGER,
        month TEXT,
        letters TEXT NOT NULL,
        m01 REAL, m02 REAL, m03 REAL, m04 REAL, m05 REAL, m06 REAL,
        m07 REAL, m08 REAL, m09 REAL, m10 REAL, m11 REAL, m12 REAL,
        amount REAL,
        CHECK ((year IS NULL) != (month IS NULL))
    );
    CREATE INDEX amounts_submission ON amounts (submission_id);
    INSERT INTO amounts (submission_id, project, tbl, item, measure, sheet, excel_row, month,
                         letters, amount)
        SELECT submission_id, project, tbl, item, measure, sheet,
               CAST(substr(cell, length(rtrim(cell, '0123456789')) + 1) AS INTEGER), month,
               rtrim(cell, '0123456789'), amount FROM facts;
    DROP TABLE facts;
    CREATE VIEW facts (submission_id, project, tbl, item, measure, month, amount, sheet, cell) AS
    SELECT submission_id, project, tbl, item, measure, month, amount, sheet,
        rtrim(substr(letters, 1, 3)) || excel_row
        FROM amounts WHERE month IS NOT NULL AND amount IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-01', year),
        m01, sheet, rtrim(substr(letters, 1, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m01 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-02', year),
        m02, sheet, rtrim(substr(letters, 4, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m02 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-03', year),
        m03, sheet, rtrim(substr(letters, 7, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m03 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-04', year),
        m04, sheet, rtrim(substr(letters, 10, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m04 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-05', year),
        m05, sheet, rtrim(substr(letters, 13, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m05 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-06', year),
        m06, sheet, rtrim(substr(letters, 16, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m06 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-07', year),
        m07, sheet, rtrim(substr(letters, 19, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m07 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-08', year),
        m08, sheet, rtrim(substr(letters, 22, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m08 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-09', year),
        m09, sheet, rtrim(substr(letters, 25, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m09 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-10', year),
        m10, sheet, rtrim(substr(letters, 28, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m10 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-11', year),
        m11, sheet, rtrim(substr(letters, 31, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m11 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-12', year),
        m12, sheet, rtrim(substr(letters, 34, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m12 IS NOT NULL
    """,
    # Version 3: the evidence a version's order rests on. `received_at` was the file's
    # modification time, which a copy resets: from now on it is the received day decided from
    # the cover (module docstring), the modification time kept beside it as a hint only.
    # `order_evidence` says why a version follows the one before it, `notes` what became of a
    # rejected file looked at again. Older rows keep what they had: their time is the only
    # evidence there is.
    """
    ALTER TABLE submissions ADD COLUMN file_modified TEXT;
    ALTER TABLE submissions ADD COLUMN order_evidence TEXT NOT NULL DEFAULT '';
    ALTER TABLE submissions ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    UPDATE submissions SET file_modified = received_at
    """,
)

# PostgreSQL histories begin at version 3: this script builds what SQLite's first three build,
# with PostgreSQL's types (BIGINT for SQLite's 64-bit integers, DOUBLE PRECISION for its
# REAL), the columns in the same order (SELECT * reads alike on both). The version lives in
# `schema_version` (SQLite's is PRAGMA user_version). `restatements.seq` keeps their order,
# as SQLite's rowid does. A finite-amount CHECK stands in for SQLite's triggers. A change to
# the schema is a new script at the end of MIGRATIONS and of POSTGRES_MIGRATIONS.
POSTGRES_BASE = 3
_MONTH_CELLS = "\n".join(
    f"    UNION ALL SELECT submission_id, project, tbl, item, measure,"
    f" lpad(year::text, 4, '0') || '-{m:02d}', m{m:02d}, sheet,"
    f" rtrim(substr(letters, {3 * m - 2}, 3)) || excel_row"
    f" FROM amounts WHERE year IS NOT NULL AND m{m:02d} IS NOT NULL"
    for m in range(1, 13))
_FINITE = " AND ".join(f"(abs({k}) < 'Infinity')"
                       for k in ("amount", *(f"m{m:02d}" for m in range(1, 13))))
POSTGRES_MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE schema_version (version INTEGER NOT NULL);
    INSERT INTO schema_version VALUES (0);
    CREATE TABLE submissions (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        path TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size BIGINT NOT NULL,
        received_at TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        kind TEXT,
        subsidiary TEXT,
        period TEXT,
        revision BIGINT NOT NULL DEFAULT 1,
        contract_version BIGINT,
        unit TEXT,
        preparer TEXT,
        prepared_on TEXT,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded')),
        superseded_by BIGINT REFERENCES submissions(id),
        errors BIGINT NOT NULL,
        warnings BIGINT NOT NULL,
        findings TEXT NOT NULL,
        file_modified TEXT,
        order_evidence TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX submissions_bytes ON submissions (sha256, COALESCE(kind, ''));
    CREATE INDEX submissions_slot ON submissions (subsidiary, kind, period, revision);
    CREATE TABLE records (
        submission_id BIGINT NOT NULL REFERENCES submissions(id),
        tbl TEXT NOT NULL,
        excel_row BIGINT NOT NULL,
        project TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX records_submission ON records (submission_id, tbl);
    CREATE TABLE restatements (
        submission_id BIGINT NOT NULL REFERENCES submissions(id),
        superseded_id BIGINT NOT NULL REFERENCES submissions(id),
        project TEXT NOT NULL,
        tbl TEXT NOT NULL,
        item TEXT NOT NULL,
        measure TEXT NOT NULL,
        month TEXT NOT NULL,
        old_amount DOUBLE PRECISION,
        new_amount DOUBLE PRECISION,
        cell TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
    );
    CREATE TABLE amounts (
        submission_id BIGINT NOT NULL REFERENCES submissions(id),
        project TEXT NOT NULL,
        tbl TEXT NOT NULL,
        item TEXT NOT NULL,
        measure TEXT NOT NULL,
        sheet TEXT NOT NULL,
        excel_row BIGINT NOT NULL,
        year BIGINT,
        month TEXT,
        letters TEXT NOT NULL,
        {", ".join(f"m{m:02d} DOUBLE PRECISION" for m in range(1, 13))},
        amount DOUBLE PRECISION,
        CHECK ((year IS NULL) != (month IS NULL)),
        CONSTRAINT amounts_finite CHECK ({_FINITE})
    );
    CREATE INDEX amounts_submission ON amounts (submission_id);
    CREATE VIEW facts (submission_id, project, tbl, item, measure, month, amount, sheet, cell) AS
    SELECT submission_id, project, tbl, item, measure, month, amount, sheet,
        rtrim(substr(letters, 1, 3)) || excel_row
        FROM amounts WHERE month IS NOT NULL AND amount IS NOT NULL
{_MONTH_CELLS}
    """,
)
assert POSTGRES_BASE - 1 + len(POSTGRES_MIGRATIONS) == len(MIGRATIONS)
