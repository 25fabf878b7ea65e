"""The public API: an explicit __all__, sorted and complete."""

from __future__ import annotations

import xltrack


def test_all_is_sorted_and_every_name_exists() -> None:
    assert xltrack.__all__ == sorted(xltrack.__all__)
    for name in xltrack.__all__:
        assert hasattr(xltrack, name), name
