"""A problem found in a partner profile, with file, line, column and a fix."""
from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int  # 1-based
    column: int  # 1-based
    field: str  # dotted path inside the profile ("transport.sftp.host_key"), "" for the file
    message: str  # what is wrong
    fix: str  # how to fix it
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: "
        label = f"{self.field}: " if self.field else ""
        tag = "" if self.severity == ERROR else "warning: "
        return f"{where}{tag}{label}{self.message}: {self.fix}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line, p.column, p.field, p.message))
