"""States stored as short strings, each with the words people see, and the database's CHECK that
refuses any other. Every status and phase column has one (`State.check`), so a row with an
unknown state is refused by the database whatever code writes it."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint


class State(StrEnum):
    """A state: its value is what the column stores; `label` what a page says; `tag` its colour."""

    def __new__(cls, value: str, label: str = "", tag: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        member.tag = tag
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {member.value: member.label for member in cls}

    @classmethod
    def tags(cls) -> dict[str, str]:
        return {member.value: member.tag for member in cls}

    @classmethod
    def check(cls, column: str, *, nullable: bool = False) -> CheckConstraint:
        """CHECK (column IN (...)): named ck_<table>_<column>_known by the naming convention."""
        sql = f"{column} IN ({', '.join(repr(member.value) for member in cls)})"
        return CheckConstraint(f"{column} IS NULL OR {sql}" if nullable else sql, name=f"{column}_known")
