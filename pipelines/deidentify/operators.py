"""Presidio anonymizer operators for free text, built on the same transformations as the columns.

Presidio ships ``replace`` (our typed placeholders) and ``keep``; it has no keyed pseudonym that
matches our columns, no consistent Vietnamese surrogates and no per-person date shift, so those are
custom :class:`Operator` classes here. Their ``params`` carry the shared objects of
``transforms.py`` (the :class:`Pseudonymiser`, the :class:`Surrogates`, the person's offset).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Dict

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.operators import Operator, OperatorType

from pipelines.deidentify.policy import EntityRule
from pipelines.deidentify.transforms import Pseudonymiser, Surrogates, shift_day
from pipelines.detect.redact import PLACEHOLDERS


class _AnDanhOperator(Operator):
    NAME = ""
    REQUIRED: tuple[str, ...] = ()

    def validate(self, params: Dict = None) -> None:
        missing = [k for k in self.REQUIRED if k not in (params or {})]
        if missing:
            raise ValueError(f"operator {self.NAME} needs {missing}")

    def operator_name(self) -> str:
        return self.NAME

    def operator_type(self) -> OperatorType:
        return OperatorType.Anonymize


class PseudonymiseOperator(_AnDanhOperator):
    """The span becomes the same keyed token the column action gives the same value."""
    NAME = "andanh_pseudonymise"
    REQUIRED = ("pseudonymiser", "domain", "normalise")

    def operate(self, text: str, params: Dict = None) -> str:
        p: Pseudonymiser = params["pseudonymiser"]
        return p.token(params["domain"], text, params["normalise"], params.get("scope_value"))


class SurrogateOperator(_AnDanhOperator):
    """A readable fake of the same entity type, the same for the same real value within a scope."""
    NAME = "andanh_surrogate"
    REQUIRED = ("surrogates",)

    def operate(self, text: str, params: Dict = None) -> str:
        s: Surrogates = params["surrogates"]
        return s.fake(params["entity_type"], text)


_DMY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
_YMD = re.compile(r"^(\d{4})([/.-])(\d{1,2})\2(\d{1,2})$")
_DM = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})$")
_WORDS = re.compile(r"^(ngày\s+)(\d{1,2})(\s+tháng\s+)(\d{1,2})((?:\s+năm\s+)(\d{4}))?$", re.IGNORECASE)


class DateShiftOperator(_AnDanhOperator):
    """A date in a note moves by the person's offset and keeps its written form; a date it cannot
    read (a time alone, a month name) becomes the placeholder, never stays as written."""
    NAME = "andanh_date_shift"
    REQUIRED = ("days", "reference_year")

    def operate(self, text: str, params: Dict = None) -> str:
        days, year = params["days"], params["reference_year"]
        stripped = text.strip()
        m = _DMY.match(stripped)
        if m:
            d = _moved(int(m[4]), int(m[3]), int(m[1]), days)
            return f"{d.day:0{len(m[1])}d}{m[2]}{d.month:0{len(m[3])}d}{m[2]}{d.year}" if d else PLACEHOLDERS["DATE_TIME"]
        m = _YMD.match(stripped)
        if m:
            d = _moved(int(m[1]), int(m[3]), int(m[4]), days)
            return f"{d.year}{m[2]}{d.month:0{len(m[3])}d}{m[2]}{d.day:0{len(m[4])}d}" if d else PLACEHOLDERS["DATE_TIME"]
        m = _DM.match(stripped)
        if m and year:
            d = _moved(year, int(m[3]), int(m[1]), days)
            return f"{d.day:0{len(m[1])}d}{m[2]}{d.month:0{len(m[3])}d}" if d else PLACEHOLDERS["DATE_TIME"]
        m = _WORDS.match(stripped)
        if m and (m[6] or year):
            d = _moved(int(m[6] or year), int(m[4]), int(m[2]), days)
            if d:
                tail = f"{m[5][:len(m[5]) - 4]}{d.year}" if m[5] else ""
                return f"{m[1]}{d.day}{m[3]}{d.month}{tail}"
        return PLACEHOLDERS["DATE_TIME"]


def _moved(year: int, month: int, day: int, days: int) -> date | None:
    try:
        return shift_day(date(year, month, day), days)
    except ValueError:
        return None


CUSTOM_OPERATORS = (PseudonymiseOperator, SurrogateOperator, DateShiftOperator)


def anonymizer_engine() -> AnonymizerEngine:
    engine = AnonymizerEngine()
    for operator in CUSTOM_OPERATORS:
        engine.add_anonymizer(operator)
    return engine


def operator_configs(rules: dict[str, EntityRule], pseudonymiser: Pseudonymiser, surrogates: Surrogates,
                     days: int | None, reference_year: int | None) -> dict[str, OperatorConfig]:
    """Presidio operator configs for one text, from a free-text profile of the policy."""
    out = {}
    for entity, rule in rules.items():
        if rule.operator == "placeholder":
            out[entity] = OperatorConfig("replace", {"new_value": PLACEHOLDERS.get(entity, f"[{entity}]")})
        elif rule.operator == "keep":
            out[entity] = OperatorConfig("keep")
        elif rule.operator == "pseudonymise":
            out[entity] = OperatorConfig(PseudonymiseOperator.NAME, {"pseudonymiser": pseudonymiser, **rule.params})
        elif rule.operator == "surrogate":
            out[entity] = OperatorConfig(SurrogateOperator.NAME, {"surrogates": surrogates})
        elif rule.operator == "date_shift" and not days:  # no person offset: never leave the date as written
            out[entity] = OperatorConfig("replace", {"new_value": PLACEHOLDERS["DATE_TIME"]})
        elif rule.operator == "date_shift":
            out[entity] = OperatorConfig(DateShiftOperator.NAME, {"days": days or 0, "reference_year": reference_year})
    out["DEFAULT"] = OperatorConfig("replace", {"new_value": "[PII]"})
    return out
