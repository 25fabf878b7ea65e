"""xltrack: collect, check and consolidate the standard workbooks of a group's major projects."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The names below are loaded on first use (PEP 562), not when the package is imported: every
# command, every reader process and the Excel door import `xltrack` first, and most of them
# need neither pandas nor openpyxl (`xltrack --help` took 2 s of imports for one screen).
_LAZY = {
    "RegisterError": "errors", "TemplateError": "errors", "UsageError": "errors",
    "XltrackError": "errors", "CheckResult": "inbox", "check_files": "inbox",
    "Finding": "models", "Reason": "models", "Severity": "models", "Submission": "reader",
    "read_submission": "reader", "Register": "settings", "load_register": "settings",
}

if TYPE_CHECKING:
    from .errors import RegisterError, TemplateError, UsageError, XltrackError
    from .inbox import CheckResult, check_files
    from .models import Finding, Reason, Severity
    from .reader import Submission, read_submission
    from .settings import Register, load_register


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'xltrack' has no attribute {name!r}")
    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


__all__ = [
    "CheckResult",
    "Finding",
    "Reason",
    "Register",
    "RegisterError",
    "Severity",
    "Submission",
    "TemplateError",
    "UsageError",
    "XltrackError",
    "__version__",
    "check_files",
    "load_register",
    "read_submission",
]
