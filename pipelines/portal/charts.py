"""Charts of published aggregates (Vega-Lite through Altair, PNG through vl-convert).

Only published cells are summed; withheld (suppressed) cells are never estimated: each chart shows,
beside the published total, how many cells of that bar were withheld, in grey, labelled as such.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

KINDS = {"month": ("month",), "province": ("province", "province_name", "province_code"),
         "chapter": ("icd10_chapter",)}
LABELS = {"month": "Tháng / Month", "province": "Tỉnh / Province", "chapter": "Chương ICD-10 / ICD-10 chapter"}
PERIODS = ("month", "quarter", "year")


def chart_frame(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Published encounters per category. With margins (label ``*``) the published margin cells are the
    totals; without, the published cells are summed and the withheld ones only counted."""
    from pipelines.hierarchies import ALL

    from pipelines.portal.catalog import is_dimension
    dims = [c for c in frame.columns if is_dimension(c, list(frame.columns))]
    if (frame[column] == ALL).any():
        others = [c for c in dims if c != column and c not in PERIODS]
        periods = [c for c in frame.columns if c in PERIODS and c != column]
        keep = (frame[column] != ALL) & (frame[others] == ALL).all(axis=1) & (frame[periods] != ALL).all(axis=1)
        frame = frame[keep]  # the column's categories, totalled over the other dimensions, per period
    if "suppressed" not in frame.columns:  # a differentially private release: every cell is published
        frame = frame.assign(suppressed=False)
    grouped = frame.groupby(column, dropna=False).agg(
        encounters=("encounters", lambda v: int(v.dropna().sum())),
        suppressed_cells=("suppressed", lambda v: int(v.sum())))
    return grouped.reset_index().rename(columns={column: "category"})


def chart_spec(frame: pd.DataFrame, column: str, kind: str, title: str) -> dict:
    data = chart_frame(frame, column)
    label = LABELS[kind]
    base = alt.Chart(data).encode(x=alt.X("category:N", title=label, sort=None))
    published = base.mark_bar(color="#1f6f8b").encode(
        y=alt.Y("encounters:Q", title="Lượt KCB công bố / Published encounters"),
        tooltip=["category", "encounters", "suppressed_cells"])
    withheld = base.mark_text(dy=-8, color="#777777", fontSize=11).encode(
        y="encounters:Q", text=alt.Text("label:N")).transform_calculate(
        label="datum.suppressed_cells > 0 ? 'ẩn/suppressed: ' + datum.suppressed_cells : ''")
    chart = (published + withheld).properties(width=560, height=300, title=title)
    return chart.to_dict()


def chart_png(spec: dict) -> bytes:
    return vl_convert.vegalite_to_png(spec, scale=1)


@lru_cache(maxsize=256)
def rendered_chart(published: str, release_id: str, view: str, column: str, kind: str, title: str) -> tuple[bytes, int]:
    """(PNG, rows read) of one chart of one release. A release never changes (a new one has a new id),
    so a chart is drawn once per release and kind, not once per page view."""
    from pipelines.portal.catalog import read_frame
    frame = read_frame(Path(published), view)
    return chart_png(chart_spec(frame, column, kind, title)), len(frame)
