"""Build detect_handwritten_v7.jsonl from the hand-written data_*.py modules of this folder.

Each sentence is written with inline markup ``[[CODE|span]]``. The markup is removed and the span
offsets are computed from the resulting string, so no offset is typed by hand. Every span is then
checked against the text; any mismatch, overlap, unknown code or malformed id stops the build.

Run: ``python tests/data/detect_handwritten_v7_src/build_v7.py`` (from anywhere).
"""
from __future__ import annotations

import collections
import importlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "detect_handwritten_v7.jsonl"
COUNTS = HERE.parent / "detect_handwritten_v7.counts.json"
CODES = {
    "P": "PERSON",
    "D": "DATE_TIME",
    "A": "AGE",
    "PID": "VN_PATIENT_ID",
    "SID": "VN_STAFF_ID",
    "PH": "PHONE_NUMBER",
    "EM": "EMAIL_ADDRESS",
    "CCCD": "VN_CCCD",
    "BHYT": "VN_BHYT",
    "BHXH": "VN_BHXH",
    "ADR": "VN_ADDRESS",
    "LOC": "LOCATION",
}
MODULES = ["data_clinical", "data_discharge", "data_referral", "data_death", "data_press",
           "data_pharmacy", "data_hotline", "data_insurance", "data_sms", "data_ocr",
           "data_handover", "data_social"]
MARK = re.compile(r"\[\[([A-Z]+)\|([^\[\]|]+)\]\]")
ID_FORMATS = {
    "VN_CCCD": re.compile(r"\d{12}|\d{9}"),
    "VN_BHYT": re.compile(r"[A-Za-z]{2}\d{13}"),
    "VN_BHXH": re.compile(r"\d{10}"),
}


class BuildError(ValueError):
    """A source sentence or a built row breaks the format."""


def parse(src: str) -> tuple[str, list[dict]]:
    """Strip the markup of one source sentence; return the text and its spans."""
    parts: list[str] = []
    ents: list[dict] = []
    pos = 0
    length = 0
    for m in MARK.finditer(src):
        before = src[pos:m.start()]
        parts.append(before)
        length += len(before)
        code, span = m.group(1), m.group(2)
        if code not in CODES:
            raise BuildError(f"unknown code {code!r} in {src!r}")
        ents.append({"start": length, "end": length + len(span), "entity_type": CODES[code], "text": span})
        parts.append(span)
        length += len(span)
        pos = m.end()
    parts.append(src[pos:])
    text = "".join(parts)
    if "[[" in text or "]]" in text:
        raise BuildError(f"unparsed markup in {src!r}")
    return text, ents


def check_span(row_id: str, text: str, ent: dict) -> None:
    """Fail loudly when one span does not cover exactly its text or is malformed."""
    covered = text[ent["start"]:ent["end"]]
    if covered != ent["text"]:
        raise BuildError(f"{row_id}: span {ent} covers {covered!r}")
    if ent["start"] >= ent["end"]:
        raise BuildError(f"{row_id}: empty span {ent}")
    if covered != covered.strip() or covered.endswith((",", ";", ":")):
        raise BuildError(f"{row_id}: whitespace or punctuation at span edge {ent}")
    fmt = ID_FORMATS.get(ent["entity_type"])
    if fmt and not fmt.fullmatch(re.sub(r"[ .]", "", covered)):
        raise BuildError(f"{row_id}: bad {ent['entity_type']} format {covered!r}")


def check_repeats(row: dict) -> None:
    """Fail when a span's exact text occurs again, as a whole word, outside every span of the row.

    A name or number annotated once must be annotated at each mention in the same sentence.
    """
    covered = {i for ent in row["entities"] for i in range(ent["start"], ent["end"])}
    for ent in row["entities"]:
        for m in re.finditer(r"(?<!\w)" + re.escape(ent["text"]) + r"(?!\w)", row["text"]):
            if m.start() not in covered:
                raise BuildError(f"{row['id']}: {ent['text']!r} occurs again without a span")


def validate(rows: list[dict]) -> None:
    """Check ids, texts and every span of the built rows."""
    ids: set[str] = set()
    texts: set[str] = set()
    for row in rows:
        if row["id"] in ids or row["text"] in texts:
            raise BuildError(f"duplicate id or sentence: {row['id']}")
        ids.add(row["id"])
        texts.add(row["text"])
        prev_end = -1
        for ent in sorted(row["entities"], key=lambda e: e["start"]):
            check_span(row["id"], row["text"], ent)
            if ent["start"] < prev_end:
                raise BuildError(f"{row['id']}: overlapping span {ent}")
            prev_end = ent["end"]
        check_repeats(row)


def build_rows() -> list[dict]:
    """Parse every module in order and number the sentences hw7-001, hw7-002, ..."""
    sys.path.insert(0, str(HERE))
    rows: list[dict] = []
    for name in MODULES:
        mod = importlib.import_module(name)
        for src in mod.ITEMS:
            text, ents = parse(src)
            rows.append({"id": f"hw7-{len(rows) + 1:03d}", "genre": mod.GENRE, "text": text, "entities": ents})
    return rows


def count(rows: list[dict]) -> dict:
    """Sentences per genre (with and without PII) and spans per entity type."""
    genre = collections.Counter(r["genre"] for r in rows)
    no_pii = collections.Counter(r["genre"] for r in rows if not r["entities"])
    types = collections.Counter(e["entity_type"] for r in rows for e in r["entities"])
    return {"sentences": len(rows), "without_pii": sum(no_pii.values()),
            "spans": sum(types.values()), "per_genre": dict(genre.most_common()),
            "per_genre_without_pii": {g: no_pii[g] for g, _ in genre.most_common()},
            "per_type": dict(types.most_common())}


def write(rows: list[dict]) -> list[dict]:
    """Write the jsonl file and read it back."""
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with OUT.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main() -> None:
    rows = build_rows()
    validate(rows)
    back = write(rows)
    validate(back)
    if back != rows:
        raise BuildError("file read back differs from the rows written")
    counts = count(back)
    COUNTS.write_text(json.dumps(counts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(counts, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
