"""Shared by the recognizer case tables (tests/test_detect_recognizers.py, test_detect_real_text.py,
test_detect_tuning_*.py): what the full analyzer finds of one type, and the tables as pytest params.

A positive table maps an entity type to (text, expected spans) pairs; a negative one to texts in which
no entity of that type may be found.
"""
from __future__ import annotations

from pipelines.detect import analyze_text


def found(analyzer, text: str, entity_type: str) -> list[str]:
    """The texts of the spans of ``entity_type`` the analyzer finds in ``text``, in order."""
    return [text[e["start"]:e["end"]] for e in analyze_text(analyzer, text) if e["entity_type"] == entity_type]


def positive_cases(table: dict[str, list[tuple[str, list[str]]]]) -> list[tuple[str, str, list[str]]]:
    return [(entity_type, text, spans) for entity_type, cases in table.items() for text, spans in cases]


def negative_cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(entity_type, text) for entity_type, texts in table.items() for text in texts]


def case_tests(positive: dict, negative: dict):
    """The two tests of a case table module: ``test_finds, test_ignores = case_tests(POSITIVE, NEGATIVE)``
    (every positive finds exactly its spans of its type; every negative finds nothing of its type)."""
    import pytest

    @pytest.mark.parametrize("entity_type,text,expected", positive_cases(positive))
    def test_finds(analyzer, entity_type, text, expected):
        assert found(analyzer, text, entity_type) == expected

    @pytest.mark.parametrize("entity_type,text", negative_cases(negative))
    def test_ignores(analyzer, entity_type, text):
        assert found(analyzer, text, entity_type) == []

    return test_finds, test_ignores
