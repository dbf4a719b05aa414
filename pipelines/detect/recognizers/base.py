"""Shared base for the Vietnamese recognizers: Presidio's PatternRecognizer plus span groups.

Presidio's PatternRecognizer reports the whole regex match. Vietnamese PII often sits after a
label or honorific that is not part of the entity ("bà Lan", "mã BN 123"), so a pattern may name
a group `pii`; the result then covers that group only. `invalidate_span` sees the whole text, so
recognizers can reject matches by what surrounds them (e.g. "đường Nguyễn Trãi").
Every result comes from a pattern match, which keeps `could_match` an exact pre-filter, and no
recognizer reads the NLP artifacts, so `find(text)` gives the results without Presidio; the fast
path hands them back through `reuse_results` so Presidio does not compute them twice.
"""
from __future__ import annotations

import re
from typing import ClassVar, Dict, Iterator, List, Optional, Tuple, Union

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

LANGUAGE = "vi"

# Case-sensitive by default: capitalisation carries information in Vietnamese names and codes.
CASE_SENSITIVE = regex.DOTALL | regex.MULTILINE
CASE_INSENSITIVE = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE


class VietnamesePatternRecognizer(PatternRecognizer):
    """PatternRecognizer with `pii` groups, overlapped matching and whole-text invalidation."""

    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[List[Pattern]] = []
    CONTEXT: ClassVar[List[str]] = []
    FLAGS: ClassVar[int] = CASE_SENSITIVE
    # A cheap regex that matches in every text where a pattern matches (e.g. "\\d{3}" for ID numbers,
    # "@" for e-mail): texts without it are skipped before any pattern runs. Empty: no shortcut.
    NEEDS: ClassVar[str] = ""
    # Per pattern name, a cheap regex that matches somewhere in every text where that pattern matches:
    # texts without it skip the pattern (one search per text, shared by the patterns that name it).
    # A value may also be a `literal_words` pattern.
    GATES: ClassVar[Dict[str, Union[str, re.Pattern]]] = {}
    # Per pattern name, a regex that matches at the start of every match of that pattern (its leading
    # assertions and first item, say): the pattern is then tried only where that regex matches, one
    # scan per text shared by the patterns that name it. Same matches as `finditer(overlapped=True)`.
    STARTS: ClassVar[Dict[str, Union[str, re.Pattern]]] = {}

    def __init__(self, supported_language: str = LANGUAGE):
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            supported_language=supported_language,
            # Fresh Pattern objects per instance: Presidio caches the compiled regex on them.
            patterns=[Pattern(p.name, p.regex, p.score) for p in self.PATTERNS],
            context=list(self.CONTEXT) or None,
            global_regex_flags=self.FLAGS,
        )
        self._compiled = [(p, regex.compile(p.regex, self.FLAGS)) for p in self.patterns]
        self._reuse: tuple[str, List[RecognizerResult]] | None = None
        self._needs = regex.compile(self.NEEDS) if self.NEEDS else None
        self._gates = self._compile_by_pattern(self.GATES)
        self._starts = self._compile_by_pattern(self.STARTS)

    def _compile_by_pattern(self, sources: Dict[str, Union[str, re.Pattern]]) -> Dict[str, Union[regex.Pattern, re.Pattern]]:
        """Pattern name -> compiled regex (a string with the recognizer's flags), one object per distinct source."""
        names = {p.name for p in self.patterns}
        unknown = set(sources) - names
        if unknown:
            raise ValueError(f"{type(self).__name__}: no pattern named {sorted(unknown)}")
        compiled: Dict[Union[str, int], Union[regex.Pattern, re.Pattern]] = {}
        for source in sources.values():
            key = source if isinstance(source, str) else id(source)
            if key not in compiled:
                compiled[key] = regex.compile(source, self.FLAGS) if isinstance(source, str) else source
        return {name: compiled[source if isinstance(source, str) else id(source)] for name, source in sources.items()}

    def ruled_out(self, text: str) -> bool:
        """True if the cheap `NEEDS` regex alone shows that no pattern can match."""
        return self._needs is not None and self._needs.search(text) is None

    def could_match(self, text: str) -> bool:
        """True if any pattern matches somewhere; if False, `analyze` returns nothing."""
        if self.ruled_out(text):
            return False
        return next(self.pattern_matches(text), None) is not None

    def reuse_results(self, text: str, results: List[RecognizerResult]) -> None:
        """Make the next `analyze` of this very text object return `results` instead of recomputing."""
        self._reuse = (text, results)

    def analyze(self, text: str, entities: List[str], nlp_artifacts=None, regex_flags=None) -> List[RecognizerResult]:
        reuse, self._reuse = self._reuse, None
        if reuse is not None and reuse[0] is text:
            return reuse[1]
        return self.find(text)

    def invalidate_span(self, text: str, start: int, end: int, match, pattern: Pattern) -> bool:
        """Reject a candidate span by its surroundings. Default: keep."""
        return False

    def adjust_span(self, text: str, start: int, end: int, match, pattern: Pattern) -> Optional[tuple[int, int]]:
        """Narrow a candidate span (e.g. strip trailing punctuation); None drops it."""
        return start, end

    def score_for(self, text: str, start: int, end: int, match, pattern: Pattern) -> float:
        return pattern.score

    def pattern_matches(self, text: str) -> Iterator[Tuple[Pattern, regex.Pattern, regex.Match]]:
        """(pattern, compiled, match) pattern by pattern, each pattern's matches as
        `finditer(text, overlapped=True)` gives them (one per start position, in order); `GATES` and
        `STARTS` only skip positions and texts where the pattern cannot match."""
        # Keyed by id: hashing a compiled `re` pattern hashes its whole program.
        gate_passed: Dict[int, bool] = {}
        start_positions: Dict[int, List[int]] = {}
        for pattern, compiled in self._compiled:
            gate = self._gates.get(pattern.name)
            if gate is not None:
                passed = gate_passed.get(id(gate))
                if passed is None:
                    passed = gate_passed[id(gate)] = gate.search(text) is not None
                if not passed:
                    continue
            start = self._starts.get(pattern.name)
            if start is None:
                for match in compiled.finditer(text, overlapped=True):
                    yield pattern, compiled, match
                continue
            positions = start_positions.get(id(start))
            if positions is None:
                positions = start_positions[id(start)] = _start_positions(start, text)
            for position in positions:
                match = compiled.match(text, position)
                if match is not None:
                    yield pattern, compiled, match

    def find(self, text: str) -> List[RecognizerResult]:
        """Results for text from the patterns alone (what `analyze` returns)."""
        results: list[RecognizerResult] = []
        for pattern, compiled, match in self.pattern_matches(text):
            if "pii" in compiled.groupindex and match.group("pii") is not None:
                start, end = match.span("pii")
            else:
                start, end = match.span()
            if start == end:
                continue
            span = self.adjust_span(text, start, end, match, pattern)
            if span is None:
                continue
            start, end = span
            if start >= end:
                continue
            span_text = text[start:end]
            score = self.score_for(text, start, end, match, pattern)
            validation = self.validate_result(span_text)
            if validation is not None:
                score = EntityRecognizer.MAX_SCORE if validation else EntityRecognizer.MIN_SCORE
            if self.invalidate_result(span_text) or self.invalidate_span(text, start, end, match, pattern):
                score = EntityRecognizer.MIN_SCORE
            if score <= EntityRecognizer.MIN_SCORE:
                continue
            results.append(self.result(start, end, score, pattern.name, pattern.regex, validation))
        return EntityRecognizer.remove_duplicates(results) if results else results

    def result(self, start: int, end: int, score: float, pattern_name: str, regex_text: str = "",
               validation: Optional[bool] = None) -> RecognizerResult:
        """One finding of this recognizer, with Presidio's explanation and metadata."""
        explanation = self.build_regex_explanation(self.name, pattern_name, regex_text, score, validation, self.FLAGS)
        return RecognizerResult(
            entity_type=self.ENTITY, start=start, end=end, score=score, analysis_explanation=explanation,
            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                  RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})


def literal_words(words_regex: str) -> re.Pattern:
    """A `GATES` or `STARTS` value for a pattern that contains (for `STARTS`: begins with, after its zero-width
    assertions) an `alternation()` of literal words in a case-sensitive recognizer: where one of the words
    occurs. Literal text matches the same in the standard `re` module, which scans a plain alternation of
    literals several times faster than `regex`."""
    return re.compile(words_regex)


def _start_positions(start: Union[regex.Pattern, re.Pattern], text: str) -> List[int]:
    """Every position where start matches (overlapping matches included)."""
    if isinstance(start, re.Pattern):
        positions = []
        found = start.search(text)
        while found is not None:
            positions.append(found.start())
            found = start.search(text, found.start() + 1)
        return positions
    return [m.start() for m in start.finditer(text, overlapped=True)]


def preceding_text(text: str, start: int, width: int = 40) -> str:
    return text[max(0, start - width):start]


# A word made of letters (Vietnamese syllable), with an optional apostrophe part (H'Mông, Ê Đê names).
WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)?"
WORD_BOUNDARY_BEFORE = r"(?<![^\W_])"
WORD_BOUNDARY_AFTER = r"(?![^\W_])"

# Between the digits of an identifier as people type it: a dot, a middle dot or any dash (also the
# non-breaking and en/em dashes word processors put in), a space either side, or one or two spaces.
DASH = r"[\-‐‑‒–—]"
DIGIT_SEPARATOR = r"(?:[ \t\u00a0\u202f]{0,2}(?:[.·]|" + DASH + r")[ \t\u00a0\u202f]{0,2}|[ \t\u00a0\u202f]{1,2})?"
# Between an identifier's label and its number: whose it is ("mã BHXH của bố", "CCCD vợ ông Điệp:"),
# up to four words before a colon, or "của" and up to three words.
OWNER_AFTER_LABEL = (r"(?:[ \t]+(?i:của|cua)(?:[ \t]+[^\W\d_]+){1,3}?"
                     r"|(?:[ \t]+[^\W\d_]+){1,4}?(?=[ \t]*:))?")
# Where a word written with a capital starts (no letter or digit before it): every match of a pattern that
# starts with a capital after a word boundary starts here (a `STARTS` entry).
CAPITAL_AFTER_BOUNDARY = r"(?<![^\W_])\p{Lu}"
# A person's name as written in a record: one to five capitalised words ("Quế", "Khổng Minh Tiến").
CAPITALISED_NAME = r"(?-i:\p{Lu}\p{Ll}*)(?:\s+(?-i:\p{Lu}\p{Ll}*)){0,4}"
