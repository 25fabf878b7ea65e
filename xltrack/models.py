"""Domain records shared by the pipeline: periods and findings."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from .errors import UsageError

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_period(text: str) -> str:
    """Return `text` if it is a YYYY-MM period, else raise UsageError saying what is allowed."""
    if not _PERIOD.match(text):
        raise UsageError(f"期间“{text}”格式不对，应为 YYYY-MM，如 2026-10",
                         f"period {text!r} is not YYYY-MM, e.g. 2026-10")
    return text


def period_months(period: str) -> tuple[int, int]:
    year, month = check_period(period).split("-")
    return int(year), int(month)


def add_months(period: str, n: int) -> str:
    year, month = period_months(period)
    index = year * 12 + (month - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Severity(StrEnum):
    ERROR = "error"  # the file is not consolidated until it is corrected
    WARNING = "warning"  # consolidated; operations should look
    INFO = "info"  # noted for the record (a lock file skipped, a hidden sheet …)


class Reason(StrEnum):
    """Why a finding was raised. Stable codes: scripts and the feedback workbook key on them."""

    # intake: the file as a whole
    LOCK_FILE = "lock_file"
    EMPTY_FILE = "empty_file"
    TOO_LARGE = "too_large"
    WRONG_FORMAT = "wrong_format"
    ENCRYPTED = "encrypted"
    CORRUPT_ZIP = "corrupt_zip"
    ZIP_BOMB = "zip_bomb"
    XML_UNSAFE = "xml_unsafe"
    SHEET_TOO_LARGE = "sheet_too_large"
    MACROS = "macros"
    EMBEDDED_OBJECT = "embedded_object"
    READER_FAILED = "reader_failed"
    FEEDBACK_FAILED = "feedback_failed"  # the feedback workbook: no copy, or none at all
    SHEET_XML = "sheet_xml"  # a sheet's XML lists a cell twice, out of order, or unreadable
    # the template contract
    NOT_A_TEMPLATE = "not_a_template"
    UNSUPPORTED_VERSION = "unsupported_version"
    MISSING_TABLE = "missing_table"
    MISSING_COLUMN = "missing_column"
    MISSING_HEADER = "missing_header"
    DUPLICATE_TABLE = "duplicate_table"  # two tables of the same name
    MAP_MISMATCH = "map_mismatch"  # the _xltrack map disagrees with the contract it claims
    TABLE_SHAPE = "table_shape"  # a table's header or totals rows make no sense
    OUTSIDE_TABLE = "outside_table"  # values typed outside a table, not read
    NO_DATA = "no_data"  # a monthly file whose every table is empty
    # values
    REQUIRED = "required"
    BAD_NUMBER = "bad_number"
    BAD_DATE = "bad_date"
    BAD_PERCENT = "bad_percent"
    BAD_CHOICE = "bad_choice"
    BAD_PERIOD = "bad_period"
    ERROR_VALUE = "error_value"
    FORMULA = "formula"
    OUT_OF_RANGE = "out_of_range"
    TOTAL_MISMATCH = "total_mismatch"
    DUPLICATE_ROW = "duplicate_row"
    # against the register and the run
    UNKNOWN_SUBSIDIARY = "unknown_subsidiary"
    UNKNOWN_PROJECT = "unknown_project"
    FOREIGN_PROJECT = "foreign_project"
    UNKNOWN_MILESTONE = "unknown_milestone"
    WRONG_PERIOD = "wrong_period"
    HIDDEN = "hidden"
    # how the file arrived (issue 16): folder, versions, units, codes as typed
    FOLDER_PERIOD = "folder_period"  # the month folder and the cover name different months
    OLDER_VERSION = "older_version"  # stored, but a newer version of the slot stays in force
    UNORDERED_VERSIONS = "unordered_versions"  # two versions nothing can put in order
    IMPLAUSIBLE_UNIT = "implausible_unit"  # amounts about 10,000 times off: 元 and 万元 mixed
    CODE_AS_TYPED = "code_as_typed"  # a code matched after case and spaces were normalised


# Rejections that depend on the run or on where the file lies, not on what it says: a file
# refused only for these is looked at again by every run while it is in the inbox, and taken
# once the run's period, its folder or the operator's acceptance allows it.
CONTEXT_REASONS = frozenset({Reason.WRONG_PERIOD, Reason.FOLDER_PERIOD,
                             Reason.IMPLAUSIBLE_UNIT})


class Finding(BaseModel):
    """One problem, pinned to where it is, worded for the accountant who must fix it."""

    model_config = ConfigDict(frozen=True)

    severity: Severity
    reason: Reason
    file: str
    sheet: str = ""
    cell: str = ""
    key: str = ""
    value: str = ""
    message_zh: str
    message_en: str

    @property
    def where(self) -> str:
        place = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{self.file} {place}".strip()

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def shown(value: object) -> str:
    """A cell value as the accountant would recognise it in a message."""
    if value is None or value == "":
        return "(empty)"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
