"""Score a hand-written detection set with the current detector and store the score with its predictions.

    python scripts/score_handwritten.py tests/data/detect_handwritten_v4.jsonl \
        --out tests/data/detect_handwritten_v4.blind_score.json --blind --note "First score, blind: ..."

The stored document (set, blind, note, detector_commit, token_unit, texts, confusion, levels, predictions)
is what the set's test re-scores from its predictions, so a stored blind score can always be reproduced
and is never recomputed with a later detector.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from handwritten_sets import predict, read_set, score  # noqa: E402


def detector_commit() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def score_document(set_path: Path, *, blind: bool, note: str) -> dict:
    records = read_set(set_path)
    found = predict(records)
    predictions = [{"id": r["id"], "entities": [{"start": s, "end": e, "entity_type": t} for s, e, t in found[r["id"]]]}
                   for r in records]
    report = score(records, found)
    return {"set": str(set_path.resolve().relative_to(ROOT)), "blind": blind, "note": note,
            "detector_commit": detector_commit(), "token_unit": "token", "texts": len(records),
            "confusion": report.get("confusion"), "levels": report["levels"], "predictions": predictions}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("set", type=Path, help="the set's .jsonl")
    p.add_argument("--out", type=Path, required=True, help="where to store the score document")
    p.add_argument("--blind", action="store_true", help="nobody has tuned on this set's misses")
    p.add_argument("--note", required=True, help="what was measured, with what detector, and what was read")
    args = p.parse_args(argv)
    doc = score_document(args.set, blind=args.blind, note=args.note)
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    strict = doc["levels"]["token_strict"]
    for name in sorted(strict):
        row = strict[name]
        print(f"{name:20s} recall {row['recall']:.3f}  precision {row['precision']:.3f}  support {row['support']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
