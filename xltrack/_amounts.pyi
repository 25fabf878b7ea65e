# table_reader.cents_all compiled (xltrack/_amounts.c); table_reader is its one caller.
from collections.abc import Callable
from typing import Any

def cents(values: list[Any], factor: int, to_cents: Callable[[Any, int], float]) -> list[Any]: ...
