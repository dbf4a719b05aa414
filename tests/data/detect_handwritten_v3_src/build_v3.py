"""Build detect_handwritten_v3.jsonl from the hand-written data_*.py files.

Each sentence is written with inline markup [[CODE|span]]; the markup is removed and the
span offsets are computed from the resulting string, so offsets are exact by construction.
"""
import collections
import importlib
import json
import re
import sys

CODES = {
    "P": "PERSON",
    "D": "DATE_TIME",
    "A": "AGE",
    "PID": "VN_PATIENT_ID",
    "SID": "VN_STAFF_ID",
    "PH": "PHONE_NUMBER",
    "EM": "EMAIL_ADDRESS",
    "NID": "VN_NATIONAL_ID",
    "BHYT": "VN_HEALTH_INSURANCE_ID",
    "ADR": "VN_ADDRESS",
    "LOC": "LOCATION",
}
MODULES = ["data_clinical", "data_press", "data_discharge", "data_referral",
           "data_certificate", "data_pharmacy", "data_hotline", "data_admin"]
MARK = re.compile(r"\[\[([A-Z]+)\|([^\[\]|]+)\]\]")


def parse(src):
    out, ents, pos = [], [], 0
    n = 0
    for m in MARK.finditer(src):
        out.append(src[pos:m.start()])
        n += len(src[pos:m.start()])
        code, span = m.group(1), m.group(2)
        if code not in CODES:
            raise ValueError(f"unknown code {code!r} in {src!r}")
        ents.append({"start": n, "end": n + len(span), "entity_type": CODES[code], "text": span})
        out.append(span)
        n += len(span)
        pos = m.end()
    out.append(src[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise ValueError(f"unparsed markup in {src!r}")
    return text, ents


def validate(rows):
    ids = set()
    digit_checks = {"VN_NATIONAL_ID": lambda s: s.isdigit() and len(s) in (9, 12),
                    "VN_HEALTH_INSURANCE_ID": lambda s: re.fullmatch(r"[A-Z]{2}\d{13}", s) is not None}
    for r in rows:
        assert r["id"] not in ids, r["id"]
        ids.add(r["id"])
        t = r["text"]
        prev_end = -1
        for e in sorted(r["entities"], key=lambda e: e["start"]):
            assert t[e["start"]:e["end"]] == e["text"], (r["id"], e)
            assert e["start"] < e["end"], (r["id"], e)
            assert e["start"] >= prev_end, ("overlap", r["id"], e)
            assert e["text"] == e["text"].strip(), ("whitespace at span edge", r["id"], e)
            assert not e["text"].endswith((",", ";", ":")), ("punctuation at span end", r["id"], e)
            chk = digit_checks.get(e["entity_type"])
            if chk:
                assert chk(e["text"]), ("bad id format", r["id"], e)
            prev_end = e["end"]
        json.loads(json.dumps(r, ensure_ascii=False))


def main():
    sys.path.insert(0, ".")
    rows, seen_text = [], set()
    k = 0
    for name in MODULES:
        mod = importlib.import_module(name)
        for src in mod.ITEMS:
            text, ents = parse(src)
            if text in seen_text:
                raise ValueError(f"duplicate sentence {text!r}")
            seen_text.add(text)
            k += 1
            rows.append({"id": f"hw3-{k:03d}", "genre": mod.GENRE, "text": text, "entities": ents})
    more = importlib.import_module("data_more").ITEMS_BY_GENRE
    for genre, items in more.items():
        for src in items:
            text, ents = parse(src)
            if text in seen_text:
                raise ValueError(f"duplicate sentence {text!r}")
            seen_text.add(text)
            k += 1
            rows.append({"id": f"hw3-{k:03d}", "genre": genre, "text": text, "entities": ents})
    validate(rows)
    with open("detect_handwritten_v3.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    # re-read and re-validate the written file
    back = [json.loads(line) for line in open("detect_handwritten_v3.jsonl", encoding="utf-8")]
    validate(back)
    genre = collections.Counter(r["genre"] for r in back)
    genre_nopii = collections.Counter(r["genre"] for r in back if not r["entities"])
    types = collections.Counter(e["entity_type"] for r in back for e in r["entities"])
    print("sentences", len(back), "without PII", sum(genre_nopii.values()))
    for g, c in genre.items():
        print(f"  {g:12s} {c:4d}  (no PII {genre_nopii[g]})")
    for t, c in types.most_common():
        print(f"  {t:24s} {c}")
    print("  total spans", sum(types.values()))
    json.dump({"sentences": len(back), "without_pii": sum(genre_nopii.values()),
               "per_genre": dict(genre), "per_genre_without_pii": dict(genre_nopii),
               "per_type": dict(types.most_common())},
              open("detect_handwritten_v3.counts.json", "w"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
