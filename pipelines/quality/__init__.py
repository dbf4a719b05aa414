"""Validate stage (data-quality gate): Great Expectations suites over a batch's staged XML1–XML5.

Entry points: :func:`validate_batch` (split a batch into validated and quarantined rows, write the
JSON and HTML reports and ledger counts; in shards of its episodes, :mod:`pipelines.quality.shards`), :func:`read_validated` (a table's validated rows),
:func:`enforce_gate` (raise :class:`QualityGateError` so an Airflow task fails closed) and
:func:`reconcile` (raise :class:`ReconciliationError` when a received record is unaccounted for).
Quarantine review and replay: :mod:`pipelines.quality.quarantine`. Suites live in
``pipelines/quality/expectations/<table>.json`` and are generated from the schema registry by
``scripts/build_expectation_suites.py`` (see :mod:`pipelines.quality.rules`).
"""
from pipelines.quality.engine import SuiteError, expectations_dir, load_suite
from pipelines.quality.reconcile import Reconciliation, ReconciliationError, reconcile
from pipelines.quality.rules import HAND_WRITTEN_RULES, build_suite, suite_json, write_suites
from pipelines.quality.validate import (ORPHAN_RULE, QualityGateError, RuleSummary, TableSummary,
                                        ValidationSummary, enforce_gate, validate_batch)
from pipelines.quality.validated import StagedDataChanged, iter_validated, read_validated

__all__ = ["HAND_WRITTEN_RULES", "ORPHAN_RULE", "QualityGateError", "Reconciliation", "ReconciliationError",
           "RuleSummary", "StagedDataChanged", "SuiteError", "TableSummary", "ValidationSummary", "build_suite",
           "enforce_gate", "expectations_dir", "iter_validated", "load_suite", "read_validated", "reconcile",
           "suite_json", "validate_batch", "write_suites"]
