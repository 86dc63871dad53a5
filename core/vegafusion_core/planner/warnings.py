"""Planner warnings, with the types VegaFusion uses, each naming its spec path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlannerWarning:
    type: str  # "Unsupported" | "RowLimitExceeded" | "BrokenInteractivity" | "Planner"
    message: str
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return {"type": self.type, "message": text}

    @classmethod
    def unsupported(cls, path: str, reason: str) -> "PlannerWarning":
        return cls("Unsupported", f"evaluated in the browser: {reason}", path)

    @classmethod
    def row_limit(cls, path: str, dataset: str, rows: int, limit: int) -> "PlannerWarning":
        return cls("RowLimitExceeded",
                   f"dataset {dataset!r} has {rows} rows, over the row limit of {limit}; "
                   f"truncated to {limit}", path)

    @classmethod
    def broken_interactivity(cls, path: str, what: str) -> "PlannerWarning":
        return cls("BrokenInteractivity",
                   f"evaluated once on the server with the initial value of {what}; "
                   "interaction with it will not update this data (preserve_interactivity=False)",
                   path)

    @classmethod
    def planner(cls, path: str | None, message: str) -> "PlannerWarning":
        return cls("Planner", message, path)
