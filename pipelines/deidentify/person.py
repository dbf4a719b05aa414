"""One person across facilities and time: the person key of each episode, its pseudonym and date offset.

Precedence (what the record holds, normalised):
1. ``cccd``: a valid 12-digit CCCD (``SO_CCCD``; legacy province prefix);
2. ``bhxh``: the 10-digit social-insurance number inside the BHYT card (``MA_THE_BHYT``, last 10
   characters of the first card);
3. ``facility_mrn``: ``MA_BN`` within its facility (``MA_CSKCB``) -- lower-confidence linkage;
4. ``episode``: nothing of the above; the episode stands alone (``MA_LK`` within ``MA_CSKCB``).
Inside a batch, an episode holding only a card (or only a ``MA_BN``) takes the CCCD (or card) that
another episode with the same card (``MA_BN``) shows, so one person keeps one key where the batch
says who it is. The person pseudonym and the date offset derive from that key alone: the same in
every table, batch and month (with the same key and scope).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines import duck
from pipelines.deidentify.transforms import Pseudonymiser, map_distinct, shift_offset
from pipelines.workdir import Workdir

LINK_KINDS = ("cccd", "bhxh", "facility_mrn", "episode")


@lru_cache(maxsize=1)
def cccd_prefixes() -> tuple[str, ...]:
    from pipelines.reference import provinces_63
    return tuple(sorted({p["cccd_prefix"] for p in provinces_63() if p.get("cccd_prefix")}))


# One statement per join, each result a temporary table: two hash joins in one pipeline must hold
# both hash tables at once and cannot spill, one at a time they spill under a small memory cap.
PERSON_STEPS = (r"""
CREATE TEMP TABLE raw AS
    SELECT _row,  -- row numbers given with the rows: a window over all rows could not spill
           upper(trim(MA_CSKCB)) AS cskcb,
           MA_LK AS ma_lk,
           CASE WHEN regexp_full_match(regexp_replace(coalesce(SO_CCCD, ''), '[\s.\-]', '', 'g'), '0\d{11}')
                 AND substr(regexp_replace(SO_CCCD, '[\s.\-]', '', 'g'), 1, 3) IN (SELECT unnest($prefixes))
                THEN regexp_replace(SO_CCCD, '[\s.\-]', '', 'g') END AS cccd,
           CASE WHEN regexp_full_match(right(regexp_replace(upper(split_part(coalesce(MA_THE_BHYT, ''), ';', 1)),
                                                           '[\s.\-]', '', 'g'), 10), '\d{10}')
                THEN right(regexp_replace(upper(split_part(MA_THE_BHYT, ';', 1)), '[\s.\-]', '', 'g'), 10) END AS bhxh,
           nullif(regexp_replace(upper(coalesce(MA_BN, '')), '[\s.\-_/]', '', 'g'), '') AS mrn
    FROM xml1
""", r"""
CREATE TEMP TABLE card_cccd AS
SELECT bhxh, min(cccd) AS cccd FROM raw WHERE bhxh IS NOT NULL AND cccd IS NOT NULL GROUP BY bhxh
""", r"""
CREATE TEMP TABLE mrn_ids AS
SELECT cskcb, mrn, min(cccd) AS cccd, min(bhxh) AS bhxh FROM raw WHERE mrn IS NOT NULL GROUP BY cskcb, mrn
""", r"""
CREATE TEMP TABLE with_card AS
SELECT r.*, c.cccd AS card_cccd FROM raw r LEFT JOIN card_cccd c ON c.bhxh = r.bhxh
""", r"""
CREATE TEMP TABLE keyed AS
SELECT r._row, r.cskcb, r.ma_lk,
       coalesce(r.cccd, r.card_cccd, m.cccd) AS k_cccd,
       coalesce(r.bhxh, m.bhxh) AS k_bhxh,
       r.mrn
FROM with_card r
LEFT JOIN mrn_ids m ON m.cskcb = r.cskcb AND m.mrn = r.mrn
""")
PERSON_SQL = r"""
SELECT _row,
       CASE WHEN k_cccd IS NOT NULL THEN 'cccd' WHEN k_bhxh IS NOT NULL THEN 'bhxh'
            WHEN mrn IS NOT NULL THEN 'facility_mrn' ELSE 'episode' END AS link,
       CASE WHEN k_cccd IS NOT NULL THEN 'cccd:' || k_cccd
            WHEN k_bhxh IS NOT NULL THEN 'bhxh:' || k_bhxh
            WHEN mrn IS NOT NULL THEN 'mrn:' || coalesce(cskcb, '') || ':' || mrn
            ELSE 'episode:' || coalesce(cskcb, '') || ':' || coalesce(ma_lk, '') END AS source
FROM keyed ORDER BY _row
"""


@dataclass
class Persons:
    """Per XML1 row: person pseudonym, link kind and date offset (aligned with the XML1 rows)."""

    person_id: pa.Array
    link: pa.Array
    shift_days: pa.Array

    def counts(self) -> dict[str, int]:
        vc = pc.value_counts(self.link)
        found = dict(zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist()))
        return {k: int(found.get(k, 0)) for k in LINK_KINDS}


def link_persons(xml1: pa.Table, pseudonymiser: Pseudonymiser, max_days: int, *,
                 workdir: Workdir | None = None) -> Persons:
    """The person of each XML1 row, by the precedence above (vectorised in DuckDB, HMAC per distinct key)."""
    needed = ["MA_LK", "MA_CSKCB", "SO_CCCD", "MA_THE_BHYT", "MA_BN"]
    view = pa.table({c: (xml1.column(c).cast(pa.string()) if c in xml1.column_names
                         else pa.nulls(xml1.num_rows, pa.string())) for c in needed}
                    | {"_row": pa.array(np.arange(xml1.num_rows, dtype=np.int64))})
    con = duck.connect(workdir=workdir)
    try:
        con.register("xml1", view)
        con.execute(PERSON_STEPS[0], {"prefixes": list(cccd_prefixes())})
        for step in PERSON_STEPS[1:]:
            con.execute(step)
        keyed = con.sql(PERSON_SQL).to_arrow_table()
    finally:
        con.close()
    source = keyed.column("source").combine_chunks()
    person_id = map_distinct(source, lambda s: pseudonymiser.token("person", s, "code"))
    days = map_distinct(source, lambda s: str(shift_offset(pseudonymiser, s, max_days))).cast(pa.int32())
    return Persons(person_id=person_id, link=keyed.column("link").combine_chunks(), shift_days=days)
