# The compiled fast pass (xltrack/_cells.c); sheet_xml.read_sheet_fast is its one caller;
# intake._sheet_area calls beyond_z99999.
from collections.abc import Callable
from typing import Any

def fast_pass(body: bytes, p: Any, attributes: Callable[[bytes], bool | None],
              text: Callable[[bytes], str], unescape: Callable[[str], str]) -> bool | None: ...

def beyond_z99999(data: bytes) -> bool: ...
