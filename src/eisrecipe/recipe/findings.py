"""What every recipe step may find besides its own result: that it does not apply, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["NotApplicable"]


@dataclass(frozen=True)
class NotApplicable:
    """A step that does not apply to a cell, and why (JSON: ``{"applies": false, "reason": ...}``)."""

    applies: bool = field(default=False, init=False)
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """``{"applies": False, "reason": ...}``."""
        return {"applies": False, "reason": self.reason}
