"""Make a table k-anonymous and distinct l-diverse; measure its re-identification risk like ARX.

:func:`anonymise` is independent of the data root (the bench and the extract builder both call it):
it encodes the declared quasi-identifiers, searches the lattice (:mod:`pipelines.extract.lattice`),
suppresses the records of the classes that still fail, and returns the generalised table with a
report. When a person column is given, a class must also hold ``k`` distinct persons (several
episodes of one person do not make a crowd): classes short of that are suppressed after the search.

Risks (El Emam and ARX's definitions), over the records kept:
- prosecutor (the attacker knows the person is in the extract): record risk 1 / class size;
- journalist (the attacker does not know; matches against the population, by default all safe
  records of the same source): record risk 1 / population class size;
- marketer (re-identify as many as possible): expected share re-identified, the mean of the
  journalist record risks (the number of classes / records when the population is the extract).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.extract.encode import EncodedQI, QuasiIdentifier, encode_qi
from pipelines.extract.lattice import InfeasibleError, Lattice, combine


@dataclass
class Anonymised:
    table: pa.Table          # kept rows; quasi-identifiers replaced by their generalised labels
    kept: np.ndarray         # per input row: kept (True) or suppressed
    levels: dict[str, str]   # quasi-identifier column -> level chosen
    report: dict


def _sensitive_codes(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(arr.cast(pa.string()))
    return encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _encode_all(table: pa.Table, qis: list[QuasiIdentifier], population: pa.Table | None) -> list[EncodedQI]:
    out = []
    for qi in qis:
        if qi.column not in table.column_names:
            raise ValueError(f"quasi-identifier {qi.column!r} is not a column of the data")
        column = table.column(qi.column)
        if population is not None:
            column = pa.chunked_array(column.chunks + population.column(qi.column).cast(column.type).chunks,
                                      type=column.type)
        out.append(encode_qi(qi, column))
    return out


def _row_classes(qis: list[EncodedQI], node: tuple[int, ...], rows: slice | np.ndarray) -> list[np.ndarray]:
    return [q.between(0, lv)[q.codes[rows]] for q, lv in zip(qis, node)]


def _persons_short(cls: np.ndarray, n_cls: int, persons: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per class: distinct persons, and whether that is fewer than k."""
    p_card = int(persons.max()) + 2 if len(persons) else 1
    distinct = pd.unique(cls * p_card + (persons + 1)) // p_card
    count = np.bincount(distinct, minlength=n_cls)
    return count, count < k


def anonymise(table: pa.Table, quasi_identifiers: list, sensitive: str | None, *, k: int = 5, l: int = 2,  # noqa: E741
              max_suppression: float = 0.05, metric: str = "entropy", person: str | None = None,
              population: pa.Table | None = None, say: Callable[[str], None] | None = None) -> Anonymised:
    """Generalise ``quasi_identifiers`` and suppress records until every class has ``k`` records (and
    ``k`` persons when ``person`` is given) and ``l`` distinct ``sensitive`` values; ``population``: the
    records the journalist risk is measured against (default: the table itself)."""
    started = time.perf_counter()
    say = say or (lambda _m: None)
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    qis = [QuasiIdentifier.parse(q) for q in quasi_identifiers]
    if not qis:
        raise ValueError("declare at least one quasi-identifier")
    n = table.num_rows
    if n == 0:
        raise InfeasibleError("no records match the request")
    encoded = _encode_all(table, qis, population)
    sample = slice(0, n)  # codes cover the sample, then the population; the lattice sees the sample only
    lattice = Lattice([_sample_view(q, n) for q in encoded],
                      _sensitive_codes(table.column(sensitive)) if sensitive else None,
                      k=k, l=l if sensitive else 1, max_suppression=max_suppression)
    say(f"lattice: {len(lattice.nodes)} nodes, {len(lattice.bottom)} distinct records")
    result = lattice.search(metric)
    say(f"chose {dict(zip((q.column for q in qis), (e.chain[lv] for e, lv in zip(encoded, result.node))))} "
        f"after evaluating {result.evaluated} nodes in {result.seconds:.2f}s")
    kept = result.kept_row.copy()
    cls_all, n_cls = combine(_row_classes(encoded, result.node, sample),
                             [e.cardinality(lv) for e, lv in zip(encoded, result.node)])
    person_extra = 0
    persons = None
    if person:
        persons = _sensitive_codes(table.column(person))
        idx = np.flatnonzero(kept)
        _, short = _persons_short(cls_all[idx], n_cls, persons[idx], k)
        newly = kept & short[cls_all]
        person_extra = int(newly.sum())
        kept &= ~newly
    out = _output_table(table, encoded, result.node, kept)
    report = _report(table, encoded, lattice, result, kept, cls_all, n_cls, sensitive, persons, person_extra,
                     population, k, l, max_suppression, metric)
    report["seconds"] = round(time.perf_counter() - started, 3)
    levels = {e.qi.column: e.chain[lv] for e, lv in zip(encoded, result.node)}
    return Anonymised(out, kept, levels, report)


def _sample_view(q: EncodedQI, n: int) -> EncodedQI:
    """The same encoding restricted to the first ``n`` rows (the sample; the population follows)."""
    return EncodedQI(q.qi, q.chain, q.codes[:n], q.labels, q.step)


def _output_table(table: pa.Table, encoded: list[EncodedQI], node: tuple[int, ...], kept: np.ndarray) -> pa.Table:
    rows = np.flatnonzero(kept)
    out = table.take(pa.array(rows))
    for e, lv in zip(encoded, node):
        i = out.column_names.index(e.qi.column)
        out = out.set_column(i, e.qi.column, e.generalised(lv, rows))
    return out


def _report(table, encoded, lattice, result, kept, cls_all, n_cls, sensitive, persons, person_extra,
            population, k, l, max_suppression, metric) -> dict:  # noqa: E741
    n = table.num_rows
    idx = np.flatnonzero(kept)
    cls = cls_all[idx]
    size = np.bincount(cls, minlength=n_cls)
    present = size > 0
    kept_n = int(kept.sum())
    report = {
        "rows_in": n, "rows_out": kept_n, "suppressed": n - kept_n,
        "suppressed_share": round((n - kept_n) / n, 6) if n else 0.0,
        "suppressed_for_persons": person_extra,
        "max_suppression": max_suppression, "suppression_within_budget": (n - kept_n) <= lattice.budget,
        "k_target": k, "l_target": l if sensitive else None, "sensitive": sensitive,
        "levels": {e.qi.column: e.chain[lv] for e, lv in zip(encoded, result.node)},
        "chains": {e.qi.column: list(e.chain) for e in encoded},
        "classes": int(present.sum()),
        "k_achieved": int(size[present].min()) if kept_n else None,
        "lattice": {"nodes": result.lattice_size, "evaluated": result.evaluated, "seconds": result.seconds,
                    "metric": metric, "candidates": len(result.candidates)},
        "information_loss": {key: v for key, v in result.loss.items() if key != "discernibility_raw"},
    }
    if sensitive and kept_n:
        s = _sensitive_codes(table.column(sensitive))[idx]
        known = s >= 0
        s_card = int(s.max()) + 1 if len(s) else 1
        distinct = pd.unique(cls[known] * s_card + s[known]) // s_card
        diverse = np.bincount(distinct, minlength=n_cls)
        report["l_achieved"] = int(diverse[present].min())
    if persons is not None and kept_n:
        count, _ = _persons_short(cls, n_cls, persons[idx], k)
        report["persons_min"] = int(count[present].min())
    report["risk"] = _risks(encoded, result.node, idx, cls, size, n, population) if kept_n else {}
    return report


def _risks(encoded, node, idx, cls, size, n, population) -> dict:
    rec = 1.0 / size[cls]
    prosecutor = {"highest": float(rec.max()), "average": float(rec.mean()),
                  "records_at_highest": round(float((rec == rec.max()).mean()), 6)}
    if population is None:
        journalist, population_records = rec, n
    else:  # classes looked up in the population, with the same generalisation
        total = len(encoded[0].codes)
        ids, groups = combine(_row_classes(encoded, node, slice(0, total)),
                              [e.cardinality(lv) for e, lv in zip(encoded, node)])
        pop_count = np.bincount(ids[n:], minlength=groups)
        journalist = 1.0 / np.maximum(pop_count[ids[:n][idx]], 1)
        population_records = total - n
    return {"prosecutor": prosecutor,
            "journalist": {"highest": float(journalist.max()), "average": float(journalist.mean())},
            "marketer": float(journalist.mean()), "population_records": int(population_records)}
