from __future__ import annotations

from typing import List

import regex
from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult

from ..lexicon import CENTRAL_CITIES, alternation, case_variants, SURNAMES, strip_accents, fold, folded_local_place_names, folded_name_syllables, folded_surnames
from .base import CASE_SENSITIVE, WORD, VietnamesePatternRecognizer

_NUM = r"\d{1,4}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)*"
_NAME_RUN = rf"{WORD}(?:[ \t]+{WORD}){{0,4}}"
_CAPITALISED_RUN = rf"\p{{Lu}}\p{{L}}*(?:['’]\p{{L}}+)?(?:[ \t]+{WORD}){{0,4}}"
_LOWER_RUN = r"\p{Ll}+(?:[ \t]+\p{Ll}+){1,3}"
_LOWER_PERSON_RUN = "(?:" + alternation({v for v in case_variants(SURNAMES) if v.islower()}) + r")(?:[ \t]+\p{Ll}+){1,3}"
# House numbers and hamlets take a number or a capitalised name; wards, districts, cities and
# streets may also be written in lower case (checked against the gazetteer / name lists).
_UNIT_TAIL_STRICT = rf"[ \t]*[.:]?[ \t]*(?P<name>{_NUM}(?![\w/])|{_CAPITALISED_RUN})"
_UNIT_TAIL_LOOSE = rf"[ \t]*[.:]?[ \t]*(?P<name>{_NUM}(?![\w/])|{_CAPITALISED_RUN}|{_LOWER_RUN})"
_UNIT_TAIL_STREET = rf"[ \t]*[.:]?[ \t]*(?P<name>{_NUM}(?![\w/])|{_CAPITALISED_RUN}|{_LOWER_PERSON_RUN})"

# Address unit keywords (identifiers.md §11), accented and not. Keys are the component kinds.
_KEYWORDS = {
    "house": r"(?i:số nhà|so nha|nhà số|nha so|sn)",
    "street": r"(?i:đường|duong|phố|pho|đại lộ|dai lo|quốc lộ|quoc lo|tỉnh lộ|tinh lo|ngõ|ngo|ngách|ngach|hẻm|hem|kiệt|kiet)|(?-i:QL|ĐL|DL)(?!\p{L})",
    "hamlet": r"(?i:khu tập thể|khu tap the|tổ dân phố|to dan pho|khu dân cư|khu dan cu|khu phố|khu pho|khu đô thị|khu do thi|thôn|thon|ấp|xóm|xom|bản|buôn|buon|làng|khóm|khom|khối|khoi|tổ|cụm|cum|sóc|soc|plei|phum|đội)|(?-i:TDP|KP|KDC|KĐT)(?!\p{L})|(?i:khu)|(?-i:Ap|AP)(?!\p{L})",
    "ward": r"(?i:phường|phuong|xã|thị trấn|thi tran|đặc khu|dac khu)|(?-i:xa|Xa|XA|P\.|X\.|TT\.|Tt\.)",
    "district": r"(?i:quận|huyện|huyen|thị xã|thi xa)|(?-i:quan|Quan|QUAN|Q\.|H\.|TX\.|Tx\.)",
    "city": r"(?i:thành phố|thanh pho)|(?-i:TP\.?|Tp\.?)",
}
_COMPACT_UNIT = r"(?-i:[QP]\.?[ ]?\d{1,2})(?![\w])"
_ADDRESS_TRIGGER = regex.compile(
    r"(?:địa chỉ|dia chi|trú tại|tru tai|trú ở|thường trú|thuong tru|tạm trú|tam tru|cư trú|cu tru|ngụ tại|ngu tai|"
    r"ngụ ở|sống tại|song tai|ở tại|nhà ở|nha o|quê quán|que quan|nơi ở|noi o|ở|tại)\s*[:,]?\s*$",
    regex.IGNORECASE,
)
_GAP = regex.compile(r"[ \t]*(?:[,;]|[-–])?[ \t]*")
# Frequent words that, written without diacritics, look like surnames (không/Khổng, là/La, từ/Từ ...).
_COMMON_UNACCENTED_WORDS = frozenset("khong la tu ha lam van tang vi luc dau do da de co hoa ban lo cu mai to".split())
_STOP_WORDS = frozenset(fold(w) for w in (
    "Quận Huyện Tỉnh Thành Phường Xã Thị TP Tp Tổ Thôn Ấp Xóm Khu Đường Phố Số Ngõ Hẻm Bản Việt Nam".split()
))


def _style(word: str) -> str:
    if word.isupper():
        return "upper"
    if word[0].isupper():
        return "title"
    return "lower"


class AddressRecognizer(VietnamesePatternRecognizer):
    """Fine-grained addresses: house numbers, streets, hamlets (thôn/ấp/xóm/tổ/khu phố), wards, districts.

    Components are matched one by one and adjacent components (joined by spaces, commas or dashes)
    are merged into one span. A unit keyword must be followed by a number, a capitalised name, or
    (for wards and districts) a known ward/district name in any case; streets in lower case need a
    person-like name. Weak components (a bare house number, "Q1", "12 Lê Lợi") only count next to
    another component or after an address word ("trú tại", "địa chỉ"). Province-level names are
    left to LOCATION.
    """

    ENTITY = "VN_ADDRESS"
    FLAGS = CASE_SENSITIVE
    PATTERNS = [
        Pattern(
            f"unit_{kind}",
            rf"(?<![\w.])(?P<kw>{keyword})" + {"house": _UNIT_TAIL_STRICT, "hamlet": _UNIT_TAIL_STRICT, "street": _UNIT_TAIL_STREET}.get(kind, _UNIT_TAIL_LOOSE),
            0.85,
        )
        for kind, keyword in _KEYWORDS.items()
    ] + [
        Pattern("house_number", rf"(?<![\w/.,])(?i:số|so)[ \t]+{_NUM}(?![\w/])", 0.3),
        Pattern(
            "number_street",
            rf"(?<![\w/.,]){_NUM}[ \t]+(?:\p{{Lu}}\p{{Ll}}+(?:[ \t]+\p{{Lu}}\p{{Ll}}*){{0,4}}|\p{{Lu}}{{2,}}(?:[ \t]+\p{{Lu}}+){{0,4}})",
            0.3,
        ),
        Pattern("compact_unit", rf"(?<![\w.]){_COMPACT_UNIT}", 0.3),
    ]
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []
    STRONG = 0.85

    def _component_end(self, text: str, match, pattern: Pattern):
        """End offset of a component starting at match.start(), and whether it is strong; None if not one."""
        name = pattern.name
        if name == "house_number" or name == "compact_unit":
            return match.end(), False
        if name == "number_street":
            words = self._name_words(text, match.start() + len(regex.match(_NUM, text[match.start():]).group()), match.end())
            count = self._title_run(words)
            # Street names without a keyword have two or more syllables ("12 Lê Lợi"); one word
            # after a number is usually something else ("52 TUỔI").
            if count < 2:
                return None
            return words[count - 1][1], False
        kind = name.removeprefix("unit_")
        value_start, value_end = match.span("name")
        value = text[value_start:value_end]
        keyword = match.group("kw")
        if value[0].isdigit():
            # "số nhà 12" is weak alone; "phường 5", "tổ 7", "đường 3/2" are strong.
            return value_end, kind != "house"
        if kind == "house":
            return None
        words = self._name_words(text, value_start, value_end)
        if len(words[0][2]) == 1 and (text[words[0][1]:words[0][1] + 1] == "." or keyword.endswith(".")):
            return None  # "H.T.M", "H.C" after "H." are a person's initials, not a district
        folded_words = [fold(w) for _, _, w in words]
        if kind in ("ward", "district", "city"):
            for size in range(min(4, len(words)), 0, -1):
                candidate = " ".join(folded_words[:size])
                if kind == "city" and candidate in CENTRAL_CITIES:
                    return None  # "thành phố Hà Nội" is a province: LOCATION
                if candidate in folded_local_place_names() and (size >= 2 or _style(words[0][2]) != "lower"):
                    return words[size - 1][1], True
        count = self._title_run(words)
        # Unaccented keywords ("Phuong", "duong", "thon") are also names and common words: after
        # them only a known ward/district (above), a number, or a street named after a person.
        compact = keyword.replace(" ", "")
        unaccented_word = (
            keyword == strip_accents(keyword) and compact.isalpha()
            and (not keyword.islower() or keyword == "quan")
            and not (keyword.isupper() and len(compact) <= 3 and keyword != "AP")
        )
        if count and unaccented_word and not (kind == "street" and folded_words[0] in folded_surnames()):
            count = 0
        if count:
            if kind == "city" and " ".join(folded_words[:count]) in CENTRAL_CITIES:
                return None
            return words[count - 1][1], True
        if kind == "street":
            # lower-case street named after a person: "đường nguyễn trãi"
            # Without diacritics the keyword and the name are ambiguous ("thao duong khong phu thuoc"
            # is "tháo đường không phụ thuộc"): common words are not the start of a street name.
            unaccented = keyword == strip_accents(keyword)
            if folded_words and unaccented and folded_words[0] in _COMMON_UNACCENTED_WORDS:
                return None
            if folded_words and folded_words[0] in folded_surnames() and _style(words[0][2]) == "lower":
                count = 1
                while count < len(words) and count < 4 and folded_words[count] in folded_name_syllables() and _style(words[count][2]) == "lower":
                    count += 1
                if count >= 2:
                    return words[count - 1][1], True
        return None

    @staticmethod
    def _name_words(text: str, start: int, end: int):
        return [(m.start(), m.end(), m.group()) for m in regex.finditer(WORD, text[:end], pos=start)]

    @staticmethod
    def _title_run(words) -> int:
        """Number of leading capitalised words that can be part of a place name."""
        count = 0
        for index, (_, _, word) in enumerate(words):
            if _style(word) == "lower":
                break
            if index > 0 and fold(word) in _STOP_WORDS:
                break
            count += 1
        return count

    def find(self, text: str) -> List[RecognizerResult]:
        components: dict[int, tuple[int, bool]] = {}
        for pattern, compiled in self._compiled:
            for match in compiled.finditer(text, overlapped=True):
                found = self._component_end(text, match, pattern)
                if found is None:
                    continue
                end, strong = found
                start = match.start()
                previous = components.get(start)
                if previous is None or (end, strong) > previous:
                    components[start] = (end, strong)
        # Drop components inside a longer one, then merge neighbours into chains.
        ordered = sorted(components.items(), key=lambda item: (item[0], -item[1][0]))
        chains: list[list[int | bool]] = []
        for start, (end, strong) in ordered:
            if chains and start < chains[-1][1]:
                if end > chains[-1][1]:
                    chains[-1][1] = end
                chains[-1][2] = chains[-1][2] or strong
                continue
            if chains:
                gap = text[chains[-1][1]:start]
                if _GAP.fullmatch(gap):
                    chains[-1][1] = end
                    chains[-1][2] = chains[-1][2] or strong
                    chains[-1][3] += 1
                    continue
            chains.append([start, end, strong, 1])
        results = []
        for start, end, strong, parts in chains:
            triggered = bool(_ADDRESS_TRIGGER.search(text[max(0, start - 30):start]))
            if not (strong or parts > 1 or triggered):
                continue
            score = self.STRONG if (strong or triggered) else 0.6
            explanation = self.build_regex_explanation(self.name, "address_chain", "", score, None, self.FLAGS)
            results.append(
                RecognizerResult(
                    entity_type=self.ENTITY,
                    start=start,
                    end=end,
                    score=score,
                    analysis_explanation=explanation,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )
        return EntityRecognizer.remove_duplicates(results) if results else results
