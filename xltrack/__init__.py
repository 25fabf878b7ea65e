"""xltrack: collect, check and consolidate the standard workbooks of a group's major projects."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import RegisterError, TemplateError, UsageError, XltrackError
from .inbox import CheckResult, check_files
from .models import Finding, Reason, Severity
from .reader import Submission, read_submission
from .settings import Register, load_register

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
