"""The project register (项目档案) and the lists operations keeps, loaded and validated.

The register lives in a JSON file for now; `load_register` is the one door to it, so that
moving it into the control workbook changes this module only.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import RegisterError, Said, said_of_check

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^\S(.*\S)?$")]
Yuan = Annotated[float, Field(ge=0)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Segment(_Record):
    code: Code
    name_zh: str
    name_en: str
    # A project whose approved investment reaches this amount (yuan) is a major project.
    major_threshold: Yuan


_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\".]+(\.[^@\s<>,;\".]+)+$")


class Subsidiary(_Record):
    code: Code
    name: str
    segment: Code
    contact: str = ""  # the person who files, as a person writes it (name, phone)
    email: str = ""  # where the chasing e-mails go; blank while nobody is known
    unit: Literal["元", "万元"] = "元"  # the unit an issued template starts with

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str) -> str:
        value = value.strip()
        if value and (len(value) > 254 or not _EMAIL.match(value)):
            raise ValueError(f"{value!r} is not an e-mail address (name@example.com); "
                             "leave the cell blank while nobody is known")
        return value


class Feasibility(_Record):
    """The figures of the approved feasibility study (可行性研究报告)."""

    total_investment: Yuan
    start: date
    finish: date
    sales_amount: Yuan = 0.0

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.finish < self.start:
            raise ValueError(f"finish {self.finish} is before start {self.start}")
        return self


class Project(_Record):
    id: Code
    name: str
    subsidiary: Code
    approved_investment: Yuan
    feasibility: Feasibility
    board_designated: bool = False


class CostCode(_Record):
    code: Code
    name: str


class Register(_Record):
    segments: list[Segment]
    subsidiaries: list[Subsidiary]
    projects: list[Project]
    cost_codes: list[CostCode]
    products: list[Code]
    operations_contact: str = ""
    # Monthly figures are due on this day of the following month.
    deadline_day: Annotated[int, Field(ge=1, le=28)] = 10

    @model_validator(mode="after")
    def _references_hold(self) -> Self:
        problems: list[str] = []
        for label, codes in (
            ("segment", [s.code for s in self.segments]),
            ("subsidiary", [s.code for s in self.subsidiaries]),
            ("project", [p.id for p in self.projects]),
            ("cost code", [c.code for c in self.cost_codes]),
            ("product", list(self.products)),
        ):
            seen: set[str] = set()
            for code in codes:
                if code in seen:
                    problems.append(f"{label} {code!r} appears twice; codes must be unique")
                seen.add(code)
        segments = {s.code for s in self.segments}
        for s in self.subsidiaries:
            if s.segment not in segments:
                problems.append(f"subsidiary {s.code!r} names segment {s.segment!r}, "
                                f"which is not in segments ({', '.join(sorted(segments))})")
        subsidiaries = {s.code for s in self.subsidiaries}
        for p in self.projects:
            if p.subsidiary not in subsidiaries:
                problems.append(f"project {p.id!r} names subsidiary {p.subsidiary!r}, "
                                "which is not in subsidiaries")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def subsidiary(self, code: str) -> Subsidiary:
        return next(s for s in self.subsidiaries if s.code == code)

    def segment_of(self, project: Project) -> Segment:
        code = self.subsidiary(project.subsidiary).segment
        return next(s for s in self.segments if s.code == code)

    def is_major(self, project: Project) -> bool:
        """Major (重大项目): over its segment's threshold, or designated by the board."""
        threshold = self.segment_of(project).major_threshold
        return project.board_designated or project.approved_investment >= threshold

    def lists(self) -> dict[str, list[str]]:
        """The drop-down lists the templates offer, keyed like contract.ListRef."""
        return {"cost_codes": [c.code for c in self.cost_codes], "products": list(self.products)}


def parse_register(data: Any, source: str) -> Register:
    try:
        return Register.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = [said_of_check(e, quote=True) for e in exc.errors()]
        raise RegisterError(source, problems) from None


def load_register(path: Path | None = None) -> Register:
    """The register at `path`, or the embedded demo register when no path is given."""
    if path is None:
        from .demo import demo_register

        return demo_register()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegisterError(str(path), [Said("文件不存在", "file not found")]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegisterError(str(path), [Said(f"无法按 UTF-8 JSON 读取：{exc}",
                                             f"cannot be read as UTF-8 JSON: {exc}")]) from None
    return parse_register(data, str(path))


def save_register(register: Register, path: Path) -> None:
    Path(path).write_text(
        json.dumps(register.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
