"""Every real-world file in ../shared/corpus: a result each, no crash, no hang."""

from __future__ import annotations

from collections import Counter

import pytest

from xltrack.inbox import check_files, find_files
from xltrack.models import Reason, Severity
from xltrack.settings import Register

from .conftest import SHARED

CORPUS = SHARED / "corpus"


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not beside the project")
def test_every_corpus_file_gets_a_clear_result(register: Register) -> None:
    files = find_files([CORPUS])
    assert len(files) >= 1136
    result = check_files([CORPUS], register)
    assert [s.path for s in result.submissions] == files  # one result per file, in order
    reasons = Counter()
    for sub in result.submissions:
        errors = [f for f in sub.findings if f.severity is Severity.ERROR]
        assert errors, f"{sub.path} was accepted: none of these is an xltrack template"
        for f in errors:
            assert f.message_en and f.message_zh and f.file == sub.path.name
        reasons[errors[0].reason] += 1
    # Nothing fell through to a generic reader failure that a guard should have named.
    assert reasons[Reason.NOT_A_TEMPLATE] > 900
    assert reasons[Reason.WRONG_FORMAT] > 50
    assert reasons[Reason.READER_FAILED] <= 3
