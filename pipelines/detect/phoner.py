"""PhoNER_COVID19 as an external, human-annotated check of the detector (issue 9).

PhoNER_COVID19 (VinAI Research; research licence) holds Vietnamese news reports of COVID-19 cases,
one sentence per JSON line, split into syllables: ``{"words": [...], "tags": ["B-NAME", ...]}``.
Nothing of it is shipped or committed, nor anything derived from it (word lists, models); it is read
at evaluation time from ``Settings.phoner_dir`` (default ``~/.cache/andanh/phoner``), train and dev
splits only: the test split is kept for an independent check and this module refuses to read it.

Mapping to our entity types:
- NAME -> PERSON, PATIENT_ID -> VN_PATIENT_ID, DATE -> DATE_TIME, AGE -> AGE (the annotators tag
  the number only; a ``tuổi`` right after it is added to the span, as our convention includes it).
- LOCATION -> LOCATION for a province, centrally-run city (names of ``pipelines.reference``, old
  and 2025 ones, with or without ``tỉnh``/``thành phố``/``TP``), a country or a region larger than a
  province (``pipelines/reference/world_places.tsv``: ``Liên bang Nga``, ``Đông Nam Á``, ``ĐBSCL``);
  ``thành phố``/``TP`` before the name of a province that is not a centrally-run city is the
  provincial capital (``thành phố Hải Dương``), a VN_ADDRESS; health facilities (``Bệnh viện …``,
  ``Trung tâm Y tế …`` anywhere in the span, ``phòng khám …``, ``Đa khoa …``, ``Bệnh Nhiệt đới …``
  without ``viện``, a hospital known by its name alone such as ``Bạch Mai``) are ignored, since the
  facility code is kept by policy; every other LOCATION (wards, districts, streets, points of
  interest, cities below province level, foreign cities) is VN_ADDRESS, "a location finer than a
  province". A LOCATION whose last comma-separated part is a province is split into the two. A
  sentence's full stop glued to the last syllable (``TP.HCM.``) is not part of the span.
- ORGANIZATION is ignored: its spans and any prediction overlapping one are left out of the scores.
  GENDER, JOB, SYMPTOM_AND_DISEASE and TRANSPORTATION are not ours: they carry no true span, so a
  prediction there counts against precision.
Predictions of types PhoNER does not annotate (phones, ID numbers …) are left out and counted.

Precision understates ours: PhoNER tags the names of patients and their contacts, not those of
doctors or officials, which we rightly find. Recall is the primary figure.

Text: the syllables are joined with spaces, except before closing punctuation, after an opening
bracket, and around a ``-`` or ``/`` between a number or an upper-case code and a number
(``25 - 7`` -> ``25-7``, ``COVID - 19`` -> ``COVID-19``), which the syllable split had cut.
"""
from __future__ import annotations

import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .evaluate import evaluate

SPLITS = ("train", "dev")
SCORED_TYPES = ("PERSON", "VN_PATIENT_ID", "DATE_TIME", "AGE", "LOCATION", "VN_ADDRESS")
TAG_TO_TYPE = {"NAME": "PERSON", "PATIENT_ID": "VN_PATIENT_ID", "DATE": "DATE_TIME", "AGE": "AGE"}
IGNORED = "(ignored)"

_NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", ")", "]", "%", "...", ".."}
_NO_SPACE_AFTER = {"(", "["}
_JOINERS = {"-", "/"}
_FACILITY_PREFIXES = (
    "benh vien", "bv ", "trung tam y te", "ttyt", "phong kham", "tram y te", "nha thuoc", "benh xa",
    "phong mach", "trung tam kiem soat benh tat", "cdc ", "co so y te", "vien ", "khoa ", "trung tam cap cuu",
    "da khoa ",
)
# A facility named inside a longer location ("cơ sở 2 Trung tâm Y tế huyện Bình Sơn") or a hospital
# named without "viện" ("Bệnh Nhiệt đới Trung ương", "Trung tâm Bệnh nhiệt đới").
_FACILITY_WORDS = ("benh vien", "trung tam y te", "benh nhiet doi")
_CITY_PREFIXES = ("thanh pho ", "tp. ", "tp ", "tp.")
_PROVINCE_ALIASES = ("HCM", "TPHCM", "Hồ Chí Minh", "Sài Gòn", "HN", "Huế", "Vũng Tàu - Bà Rịa", "Đắc Lắc",
                     "Đắc Nông", "Thừa Thiên - Huế")
_ADMIN_PREFIXES = ("thanh pho ", "tinh ", "tp. ", "tp ", "tp.")


def fold(text: str) -> str:
    """Lower case without diacritics or inner punctuation, for comparing place names."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(text.replace("-", " ").replace(".", ". ").split())


def _bare(name: str) -> str:
    folded = fold(name)
    for prefix in _ADMIN_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix):].strip()
    return folded


def _province_names() -> frozenset[str]:
    from pipelines import reference
    names = {_bare(p["name"]) for p in (*reference.provinces_63(), *reference.provinces_34())}
    return frozenset(names | {_bare(a) for a in _PROVINCE_ALIASES})


_PROVINCES: frozenset[str] | None = None
_COUNTRY_SET: frozenset[str] | None = None


def _countries_and_regions() -> frozenset[str]:
    """Countries and regions larger than a province (`pipelines/reference/world_places.tsv`)."""
    from pipelines import reference
    return frozenset(fold(r["name"]) for r in reference.world_places() if r["kind"] in ("country", "region"))


def location_type(name: str) -> str:
    """LOCATION (province, central city, country), IGNORED (health facility) or VN_ADDRESS."""
    global _PROVINCES, _COUNTRY_SET
    if _PROVINCES is None:
        _PROVINCES, _COUNTRY_SET = _province_names(), _countries_and_regions()
    from .lexicon import CENTRAL_CITIES, HEALTH_FACILITY_NICKNAMES
    folded = fold(name)
    if (any(folded.startswith(p) for p in _FACILITY_PREFIXES) or any(w in folded for w in _FACILITY_WORDS)
            or name in HEALTH_FACILITY_NICKNAMES):
        return IGNORED
    bare = _bare(name)
    if bare in _PROVINCES and any(folded.startswith(p) for p in _CITY_PREFIXES) and bare not in CENTRAL_CITIES:
        return "VN_ADDRESS"  # "thành phố Hải Dương" is the provincial capital, not the province
    if bare in _PROVINCES or folded in _COUNTRY_SET:
        return "LOCATION"
    return "VN_ADDRESS"


@dataclass
class Sentence:
    """One PhoNER sentence as text, with true spans of our types and ignored regions."""

    id: str
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    ignored: list[tuple[int, int]] = field(default_factory=list)


def _join(words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Text of the syllables and each syllable's character offsets (see the module docstring)."""
    text, offsets = "", []
    for i, word in enumerate(words):
        prev = words[i - 1] if i else ""
        glue = (not text or word in _NO_SPACE_BEFORE or prev in _NO_SPACE_AFTER
                or (word in _JOINERS and _joins(prev, words[i + 1] if i + 1 < len(words) else ""))
                or (prev in _JOINERS and i >= 2 and _joins(words[i - 2], word)))
        if not glue:
            text += " "
        offsets.append((len(text), len(text) + len(word)))
        text += word
    return text, offsets


def _joins(left: str, right: str) -> bool:
    return bool(left) and bool(right) and right[0].isdigit() and (left[-1].isdigit() or left.isupper())


def _tagged(tags: list[str]) -> Iterator[tuple[str, int, int]]:
    """(tag, first word, last word + 1) of each BIO span; a stray I- starts a span."""
    current: list | None = None
    for i, tag in enumerate(tags):
        kind = tag[2:] if tag[:2] in ("B-", "I-") else None
        if kind and tag.startswith("I-") and current and current[0] == kind:
            current[2] = i + 1
            continue
        if current:
            yield tuple(current)
        current = [kind, i, i + 1] if kind else None
    if current:
        yield tuple(current)


def _sentence_stop(words: list[str], b: int) -> bool:
    """True if word b-1 carries the sentence's full stop ("... quận 2, TP.HCM."): a longer word ending in
    "." after which only closing quotes or brackets follow."""
    word = words[b - 1]
    return len(word) > 2 and word.endswith(".") and not word.endswith("..") and all(
        w in ('"', "”", "'", ")", "]") for w in words[b:])


def _location_spans(words: list[str], offsets: list[tuple[int, int]], a: int, b: int):
    """A LOCATION span, with a trailing ', <province>' split off as its own LOCATION, and a full stop glued
    to its last syllable left out."""
    if _sentence_stop(words, b):
        words = [*words[:b - 1], words[b - 1][:-1]]
        offsets = [*offsets[:b - 1], (offsets[b - 1][0], offsets[b - 1][1] - 1)]
    commas = [i for i in range(a, b) if words[i] == ","]
    if commas:
        last = commas[-1]
        tail = " ".join(words[last + 1:b])
        if tail and location_type(tail) == "LOCATION" and location_type(" ".join(words[a:last])) != IGNORED:
            yield from _location_spans(words, offsets, a, last)
            yield offsets[last + 1][0], offsets[b - 1][1], "LOCATION"
            return
    yield offsets[a][0], offsets[b - 1][1], location_type(" ".join(words[a:b]))


def sentence(record: dict, key: str) -> Sentence:
    """Convert one PhoNER JSON record ({"words", "tags"}) into text and spans of our types."""
    words, tags = record["words"], record["tags"]
    if len(words) != len(tags):
        raise ValueError(f"PhoNER sentence {key}: {len(words)} words but {len(tags)} tags")
    text, offsets = _join(words)
    out = Sentence(key, text)
    for tag, a, b in _tagged(tags):
        if tag == "LOCATION":
            for start, end, kind in _location_spans(words, offsets, a, b):
                if kind == IGNORED:
                    out.ignored.append((start, end))
                else:
                    out.spans.append((start, end, kind))
        elif tag == "ORGANIZATION":
            out.ignored.append((offsets[a][0], offsets[b - 1][1]))
        elif tag in TAG_TO_TYPE:
            end = offsets[b - 1][1]
            if tag == "AGE" and b < len(words) and fold(words[b]) == "tuoi":
                end = offsets[b][1]
            out.spans.append((offsets[a][0], end, TAG_TO_TYPE[tag]))
    return out


def read_split(path: Path | str) -> list[Sentence]:
    """Sentences of one PhoNER syllable JSON file; refuses the test split."""
    path = Path(path)
    if "test" in path.name.lower():
        raise ValueError("the PhoNER test split is kept for an independent check: not read here")
    with open(path, encoding="utf-8") as fh:
        return [sentence(json.loads(line), f"{path.stem}:{n}") for n, line in enumerate(fh, 1) if line.strip()]


def split_path(directory: Path | str, split: str) -> Path:
    if split not in SPLITS:
        raise ValueError(f"PhoNER split must be one of {', '.join(SPLITS)} (the test split is not read)")
    return Path(directory).expanduser() / f"{split}_syllable.json"


def score(sentences: list[Sentence], predictions: Iterable[list[dict]]) -> dict:
    """Evaluate detector output (one entity list per sentence) on our scored types."""
    truth, pred, texts, unscored = {}, {}, {}, Counter()
    for s, entities in zip(sentences, predictions, strict=True):
        truth[s.id], texts[s.id] = s.spans, s.text
        kept = []
        for e in entities:
            span = (e["start"], e["end"], e["entity_type"])
            if span[2] not in SCORED_TYPES:
                unscored[span[2]] += 1
            elif not any(span[0] < b and a < span[1] for a, b in s.ignored):
                kept.append(span)
        pred[s.id] = kept
    report = evaluate(truth, pred, texts)
    report["unscored_predictions"] = dict(sorted(unscored.items()))
    return report


def evaluate_split(directory: Path | str, split: str, analyzer=None) -> dict:
    """Run the detector on one split and score it."""
    from .analyzer import shared_analyzer
    from .batch import detect_texts
    sentences = read_split(split_path(directory, split))
    found = detect_texts([s.text for s in sentences], analyzer=analyzer or shared_analyzer(), n_process=1)
    report = score(sentences, found)
    report["split"] = split
    return report


def render(report: dict) -> str:
    """Per-type strict token recall and precision (and whole-span recall) of one split."""
    rows = report["levels"]["token_strict"]
    lines = [f"PhoNER_COVID19 {report['split']}: {report['texts']} sentences (strict token level; "
             "precision understated: PhoNER tags only patients' and contacts' names)",
             f"{'entity_type':<20} {'recall':>7} {'precision':>9} {'whole spans':>11} {'tokens':>7}"]
    for name in (*SCORED_TYPES, "ALL"):
        if name in rows:
            r = rows[name]
            lines.append(f"{name:<20} {r['recall']:>7.3f} {r['precision']:>9.3f} {r['span_recall']:>11.3f} "
                         f"{r['support']:>7}")
    if report["unscored_predictions"]:
        lines.append("left out (types PhoNER does not annotate): "
                     + ", ".join(f"{k} {v}" for k, v in report["unscored_predictions"].items()))
    return "\n".join(lines)


def cmd_eval_phoner(args) -> int:
    from pipelines.settings import get_settings
    directory = Path(args.dir) if args.dir else get_settings().phoner_dir
    reports = []
    for split in args.split:
        path = split_path(directory, split)
        if not path.is_file():
            print(f"PhoNER {split} split not found at {path}: skipped", file=sys.stderr)
            continue
        reports.append(evaluate_split(directory, split))
    if args.json:
        print(json.dumps({r["split"]: {k: r[k] for k in ("texts", "levels", "unscored_predictions")}
                          for r in reports}, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(render(r) for r in reports))
    return 0


def register_commands(command, workdir_arg) -> None:
    p = command("eval-phoner", cmd_eval_phoner,
                "score the detector on PhoNER_COVID19 train/dev (research data kept outside the repository)")
    p.add_argument("--dir", help="folder holding {train,dev}_syllable.json (default: settings phoner_dir)")
    p.add_argument("--split", nargs="+", choices=SPLITS, default=list(SPLITS))
