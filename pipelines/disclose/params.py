"""Disclosure-control parameters of one dataset (``DatasetSpec.disclosure`` with ``method: sdc``)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

TOTALS_MODES = ("true", "published")


@dataclass(frozen=True)
class SdcParams:
    """Rules of the SDC method (defaults: ``shared/spec/disclosure_control.md`` §1-§3).

    - ``min_count``: counts ``1..min_count-1`` are primary-suppressed (8: 1-7 suppressed, OpenSAFELY);
      zero cells are shown exactly like suppressed small cells (``suppressed`` true, count NULL).
    - ``round_to``: published counts are rounded to the nearest multiple (5).
    - ``totals``: ``"true"`` margins are the true totals, rounded (NHS); ``"published"`` margins are the
      sum of the table's published, rounded interior cells (OpenSAFELY "total of the rounded cells").
    - ``dominance_n``/``dominance_k``: (n, k) rule on money sums: sensitive when the n largest
      contributions exceed k% of the cell; ``dominance_p``: p% rule: sensitive when the rest after the two
      largest is below p% of the largest. ``None`` switches a rule off.
    - ``protection``: share of a suppressed money sum its feasible range must cover on each side
      (the value ± protection x value); a suppressed small count must have a feasible range at least
      ``round_to`` wide (more uncertain than a published rounded count).
    - ``max_audit_rounds``: the interval audit inside :func:`protect` (certificates, then the LP for the
      cells they leave) runs on every release; the extra suppression it triggers runs up to this many
      rounds (0 switches the audit off inside ``protect``; the publish audit still runs).
    - ``audit_seconds``: time cap of that audit (all rounds); cells the LP has not reached by then are
      reported as ``unaudited`` in ``stats["audit"]`` (never as protected). ``None``: no cap.
    """
    min_count: int = 8
    round_to: int = 5
    totals: str = "true"
    dominance_n: int | None = 2
    dominance_k: float | None = 90.0
    dominance_p: float | None = 10.0
    protection: float = 0.1
    max_audit_rounds: int = 12
    audit_seconds: float | None = 600.0

    def __post_init__(self) -> None:
        if self.min_count < 1:
            raise ValueError("min_count must be at least 1")
        if self.round_to < 1:
            raise ValueError("round_to must be at least 1")
        if self.totals not in TOTALS_MODES:
            raise ValueError(f"totals must be one of {TOTALS_MODES}, not {self.totals!r}")
        if self.dominance_n is not None and self.dominance_n not in (1, 2):
            raise ValueError("dominance_n must be 1 or 2 (the two largest contributions are kept per cell)")
        if self.protection < 0:
            raise ValueError("protection must be a non-negative share")

    @property
    def rounding_half_width(self) -> tuple[int, int]:
        """How far below and above a published rounded count the true count can lie."""
        return self.round_to // 2, self.round_to - 1 - self.round_to // 2

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> SdcParams:
        """From ``DatasetSpec.disclosure``: ``min_count``, ``round_to``, ``totals``, ``protection``,
        ``dominance`` ``{n, k}`` and/or ``{p}`` (or flat ``dominance_n``/``_k``/``_p``); ``method`` is
        ignored here. An unknown key raises, naming it."""
        config = dict(config or {})
        config.pop("method", None)
        dominance = config.pop("dominance", None)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"unknown disclosure setting(s): {', '.join(unknown)}")
        if dominance is not None:
            if not isinstance(dominance, Mapping):
                raise ValueError("disclosure.dominance must be a mapping with n and k and/or p")
            extra = sorted(set(dominance) - {"n", "k", "p"})
            if extra:
                raise ValueError(f"unknown dominance setting(s): {', '.join(extra)}")
            config["dominance_n"] = dominance.get("n")
            config["dominance_k"] = dominance.get("k")
            config["dominance_p"] = dominance.get("p")
        return cls(**config)
