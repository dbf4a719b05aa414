from __future__ import annotations

from functools import lru_cache
from typing import List

import regex
from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult

from ..lexicon import (
    AIRPORTS, CENTRAL_CITIES, COUNTRIES, FOREIGN_CITIES, HEALTH_FACILITY_NICKNAMES, SURNAMES, alternation, below_province_cities,
    capitalised_variants, case_variants, fold,
    folded_local_place_names, folded_name_syllables, folded_province_names, folded_surnames, has_diacritics, province_names,
    strip_accents,
)
from .base import CASE_SENSITIVE, WORD, VietnamesePatternRecognizer, literal_words
from .location import inside_proper_name

_NUM = r"\d{1,4}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)*"
_NAME_RUN = rf"{WORD}(?:[ \t]+{WORD}){{0,4}}"
_CAPITALISED_RUN = rf"\p{{Lu}}\p{{L}}*(?:['’]\p{{L}}+)?(?:[ \t]+{WORD}){{0,4}}"
_LOWER_RUN = r"\p{Ll}+(?:[ \t]+\p{Ll}+){1,3}"
_LOWER_PERSON_RUN = "(?:" + alternation({v for v in case_variants(SURNAMES) if v.islower()}) + r")(?:[ \t]+\p{Ll}+){1,3}"
# House numbers and hamlets take a number or a capitalised name; wards, districts, cities and
# streets may also be written in lower case (checked against the gazetteer / name lists).
# A unit's number is not a decimal ("đường 1,1 mmol/L" is a glucose level).
_UNIT_NUM = rf"{_NUM}(?![\w/]|[.,]\d)"
_UNIT_TAIL_STRICT = rf"[ \t]*[.:]?[ \t]*(?P<name>{_UNIT_NUM}|{_CAPITALISED_RUN}|(?i:số|so)[ \t]+\d{{1,3}}[A-Za-z]?(?![\w/]))"
_UNIT_TAIL_LOOSE = rf"[ \t]*[.:]?[ \t]*(?P<name>{_UNIT_NUM}|{_CAPITALISED_RUN}|{_LOWER_RUN})"
_UNIT_TAIL_STREET = (rf"[ \t]*[.:]?[ \t]*(?P<name>{_UNIT_NUM}|{_CAPITALISED_RUN}|{_LOWER_PERSON_RUN}"
                     r"|(?i:số|so)[ \t]+\d{1,3}[A-Za-z]?(?![\w/]))")

# Address unit keywords (identifiers.md §11), accented and not. Keys are the component kinds.
# "bản" (a highland village) is not "biên bản" (minutes), "văn bản" (a document) or "phiên bản" (a version).
_KEYWORDS = {
    "house": r"(?i:số nhà|so nha|nhà số|nha so|sn)",
    "street": r"(?i:đường|duong|phố|pho|đại lộ|dai lo|quốc lộ|quoc lo|tỉnh lộ|tinh lo|cao tốc|đường cao tốc|ngõ|ngo|ngách|ngach|hẻm|hem|kiệt|kiet)|(?-i:QL|ĐL|DL)(?!\p{L})",
    "hamlet": r"(?i:khu tập thể|khối phố|khoi pho|tổ dân cư|to dan cu|khu tap the|tổ dân phố|to dan pho|khu dân cư|khu dan cu|khu phố|khu pho|khu đô thị|khu do thi|thôn|thon|ấp|xóm|xom|(?<!(?:biên|bien|văn|van|phiên|phien)[ \t])bản|buôn|buon|làng|khóm|khom|khối|khoi|tổ|cụm|cum|sóc|soc|plei|phum|đội)|(?-i:TDP|KP|KDC|KĐT)(?!\p{L})|(?i:khu)|(?-i:Ap|AP)(?!\p{L})",
    "ward": r"(?i:phường|phuong|xã|thị trấn|thi tran|đặc khu|dac khu)|(?-i:xa|Xa|XA|P\.|X\.|TT\.|Tt\.)",
    "district": r"(?i:quận|huyện|huyen|thị xã|thi xa)|(?-i:quan|Quan|QUAN|Q\.|H\.|TX\.|Tx\.)",
    "city": r"(?i:thành phố|thanh pho)|(?-i:TP\.?|Tp\.?)",
}
_COMPACT_UNIT = r"(?-i:[QP]\.?[ ]?\d{1,2})(?![\w])"
_ROOM_KEYWORD = r"(?i:tầng|tang|lầu|phòng|phong|căn hộ|can ho|căn|lô|lo|block|nhà|nha)|(?-i:P\.)"


def _keyword_words(source: str, case_insensitive: bool) -> list[str]:
    """The literal words of the `(?i:...)` (or `(?-i:...)`) groups of a keyword regex, a word's own
    look-behind and a trailing `(?!\\p{L})` dropped (the words alone match wherever the keyword does).
    Anything else than a literal word fails here, at import, rather than making the starts inexact."""
    opening = "(?i:" if case_insensitive else "(?-i:"
    words: list[str] = []
    index = source.find(opening)
    while index >= 0:
        depth, position, alternative = 1, index + len(opening), ""
        while depth:
            char = source[position]
            depth += (char == "(") - (char == ")")
            if (depth == 1 and char == "|") or depth == 0:
                words.append(alternative)
                alternative = ""
            else:
                alternative += char
            position += 1
        index = source.find(opening, position)
    literal = []
    for word in words:
        word = regex.sub(r"^\(\?<!(?:[^()]|\([^()]*\))*\)", "", word)
        word = word.replace(r"\.?", "").replace(r"\.", ".")
        if not word or regex.search(r"[\\()\[\]{}?*+|^$]", word):
            raise ValueError(f"not a literal keyword: {word!r}")
        literal.append(word)
    return literal


# Where a unit keyword, a room keyword, "số", "so", "km" or a compact unit ("Q1", "P.3") can start: every match
# of the patterns that begin with one starts here (their `STARTS`). Tries of the words, not the flat
# alternations: several times faster to scan.
_KEYWORD_SOURCES = (*_KEYWORDS.values(), _ROOM_KEYWORD, "(?i:số|so|km)", "(?-i:Q|P)")
_KEYWORD_START = (r"(?<![\w.])(?:(?i:" + alternation(w for k in _KEYWORD_SOURCES for w in _keyword_words(k, True)) + ")|"
                  + alternation(w for k in _KEYWORD_SOURCES for w in _keyword_words(k, False)) + ")")
# Points of interest a patient visited (issue 9): the keyword, optional lower-case kind words
# ("quán bar", "sân bay quốc tế", "chợ đầu mối"), then a capitalised name or a code. Health facilities
# (bệnh viện, phòng khám, trạm y tế ...) are not here: the facility code is kept by policy.
_POI_KEYWORDS = (
    "chợ", "siêu thị", "sieu thi", "nhà hàng", "nha hang", "khách sạn", "khach san", "quán", "chung cư", "chung cu",
    "khu chung cư", "tòa nhà", "toà nhà", "toa nha", "cao ốc", "cao oc", "trường", "công ty", "cong ty", "cty",
    "bãi biển", "bai bien", "bãi tắm", "bai tam", "sân bay", "san bay", "cảng hàng không", "cửa khẩu", "cua khau", "đảo",
    "bến xe", "ben xe", "bến tàu", "nhà ga", "ga", "cửa hàng", "cua hang", "tiệm", "tiem", "quầy", "sạp", "ki-ốt", "ki ốt",
    "karaoke", "bar", "vũ trường", "resort", "khu du lịch", "khu nghỉ dưỡng", "khu resort", "khu công nghiệp",
    "khu cong nghiep", "cụm công nghiệp", "nhà máy", "nha may", "xí nghiệp", "xi nghiep", "xưởng", "công viên", "cong vien",
    "nhà thờ", "nha tho", "chùa", "đình", "đền", "thánh thất", "bảo tàng", "khu di tích", "di tích", "nhà văn hóa",
    "nhà văn hoá", "trung tâm thương mại", "ttm", "sân vận động", "nhà thi đấu", "phòng tập", "phòng gym", "spa",
    "tiệm vàng", "nhà sách", "hiệu thuốc", "khu cách ly", "khu ký túc xá", "ký túc xá", "ktx", "làng",
    "trung đoàn", "sư đoàn", "lữ đoàn", "tiểu đoàn", "doanh trại", "động", "hang", "bán đảo", "khu điều trị",
    "cảng", "bến cảng", "ngã tư", "ngã ba", "ngã năm", "ngã sáu", "vòng xoay", "bùng binh",
    # Places of everyday life and landmarks (issue 9, location round).
    "vườn quốc gia", "khu bảo tồn", "bến phà", "trang trại", "nông trại", "phố đi bộ", "phố cổ", "cây xăng", "trạm xăng", "cửa hàng xăng dầu",
    "khu nhà trọ", "nhà trọ", "dãy trọ", "phòng trọ", "nhà nghỉ", "homestay", "biệt thự", "khu biệt thự",
    "trung tâm tiệc cưới", "nhà hàng tiệc cưới", "trung tâm hội nghị", "trung tâm thể thao", "trung tâm văn hóa",
    "trung tâm văn hoá", "trung tâm giải trí", "sân golf", "sân bóng", "hồ bơi", "bể bơi", "rạp chiếu phim",
    "rạp hát", "nhà hát", "cung văn hóa", "cung văn hoá", "nhà thiếu nhi", "khu vui chơi", "quảng trường", "tượng đài", "lăng",
    "văn miếu", "khu tưởng niệm", "nghĩa trang", "khu chế xuất", "khu kinh tế", "làng nghề", "chợ đêm",
    "shop", "showroom", "đại lý", "cảng cá", "bến cá", "nhà khách", "khu tái định cư", "tiệm bánh", "tiệm cắt tóc",
    "cửa hiệu", "quán ăn", "quán nhậu", "quán cà phê", "quán cafe", "trạm dừng chân", "trạm thu phí",
    # Schools, crèches, work sites and shops named in reports and messages (issue 9, v5 round).
    "điểm trường", "nhà trẻ", "nha tre", "nhóm trẻ", "nhom tre", "trường thpt", "truong thpt", "trường thcs", "truong thcs",
    "truong tieu hoc", "truong mam non", "công trường", "nông trường", "lâm trường", "bếp ăn", "tạp hóa", "tạp hoá",
    "bãi đá",
)
# Landforms and waters are keywords in lower case only: capitalised they start a proper name ("Hồ Chí Minh",
# "Cầu Giấy", "Bến Tre", "Núi Thành", "Sông Cầu", "Mũi Né"); "cầu" is also the end of "yêu cầu", "nhu cầu" ...
# They need a name, not a number ("tiểu cầu 197 G/L" is a blood count).
_POI_LOWER_KEYWORDS = ("đèo", "hồ", "núi", "sông", "suối", "thác", "vịnh", "rừng", "bến", "đồi", "cồn", "bãi", "cầu")
_POI_KEYWORD = ("(?i:" + alternation(_POI_KEYWORDS) + r")|(?-i:KCN|KTX|CCN|TTTM)(?!\p{L})|(?-i:"
                + alternation(_POI_LOWER_KEYWORDS) + ")")
# Keywords that are also the second syllable of common words: "lao động", "di động", "hoạt động" are not a
# cave, "hiện trường", "môi trường", "thị trường" not a school; "chủ quán", "chủ quầy" are an owner, whose name follows.
_COMPOUND_BEFORE = {
    "động": regex.compile(r"(?i:lao|di|hoạt|vận|tác|chủ|bị|hành|cảm|kích|biến|dao|lưu|sinh|rung|cử|khởi|tự|náo|chấn|xúc|lay"
                          r"|manh|bạo|phát|kinh|hiếu|lãnh|bất|giao|co|chuyển|vọng|linh|thụ|xao|báo|huy|sống|cơ|năng)[ \t]+$"),
    "trường": regex.compile(r"(?i:hiện|môi|thị|lập|chiến|thương|đấu|pháp|sa)[ \t]+$"),
}
_OWNER_BEFORE = regex.compile(r"(?i:chủ|bà chủ|ông chủ|chủ nhân|người quản lý)[ \t]+$")
# "trưởng thôn Ksor Nhưn", "phó ấp Năm": a role named after its unit, then the person holding it.
_ROLE_BEFORE_UNIT = regex.compile(r"(?:^|[^\w])(?i:trưởng|phó|truong|pho)[ \t]+$")
# A number after a keyword that is a clock time ("hiện trường 10h35") or a phone number ("công ty 0935 118 247").
_TIME_OR_PHONE_VALUE = regex.compile(r"(?:[01]?\d|2[0-3])[hH](?:[0-5]\d)?(?!\w)|0\d{2,}|\d{5,}|\d+(?:[ \t.]\d+){2,}")
_NUMBERED_VALUE = regex.compile(r"(?i:số|so)[ \t]+\d")
_SURNAME_BEFORE = regex.compile(r"(?<![\w])(?:" + alternation({v for v in case_variants(SURNAMES) if v[:1].isupper()}) + r")[ \t]+$")
# A surname keyword then a middle name is a person ("Lăng Thị Xuyên", "huyện Lò Thị Phương").
_MIDDLE_NAME_AFTER = regex.compile(r"(?:Thị|THỊ|Văn|VĂN)[ \t]+\p{Lu}")
_COMPOUND_BEFORE_CAU = regex.compile(r"(?i:bán|yêu|nhu|toàn|địa|cần|khẩn|mưu|cung|vọng|sở|thỉnh|tiểu|hồng|bạch|quả|bóng)[ \t]+$")
_POI_KIND_WORDS = (
    r"(?:bar|karaoke|cafe|cà phê|ca phe|café|coffee|ăn|an|phở|pho|bia|nhậu|nướng|lẩu|cơm|bún|bánh mì|hải sản|chay|tạp hoá|tạp hóa"
    r"|thời trang|massage|quốc tế|quoc te|nội địa|đầu mối|dau moi|dân sinh|đêm|tiểu học|mầm non|trung học cơ sở|trung học phổ thông"
    r"|đại học|cao đẳng|trung cấp|tnhh|cổ phần|cp|tư nhân|liên doanh|may|xây dựng|du lịch|vận tải|thương mại|dịch vụ|mini|hộp đêm"
    r"|quân sự|văn hoá nghệ thuật|văn hóa nghệ thuật|thiếu sinh quân|hoa|điện máy|bê thui|bún chả|bún chả cá|tiệc cưới|lịch sử"
    r"|bia hơi|cháo|bún bò|mì|hủ tiếu|gà|vịt|dê|bò|cá|heo|lợn|bò sữa|pizza|trà sữa|kem|sinh tố|bánh|bánh kem|tóc|cắt tóc"
    r"|làm tóc|nail|gội đầu|giặt là|tạp phẩm|vàng bạc|điện thoại|xe máy|ô tô|quần áo|giày dép|mỹ phẩm|nội thất|điện tử"
    r"|tiện lợi|bách hóa|bách hoá|xăng dầu|nghỉ dưỡng|sinh thái|vui chơi|giải trí|ẩm thực|đi bộ|hội nghị|thể thao|golf"
    r"|thủy điện|thuỷ điện|nhân tạo|trọ|nghỉ|nước ngọt|nước|lưu niệm|cao tốc|cầu)"
)
_POI_CORE = r"(?:(?:\p{Lu}[\p{L}\d&'’.-]*|\d+[\p{L}]*)(?:[ \t]+(?:\p{Lu}[\p{L}\d&'’.-]*|\d+))*)"
# Lower-case words inside a name ("Trường Quân sự tỉnh Hà Nam", "Trường Văn hóa Thể thao"): a few
# joining words, or any two words before an administrative unit.
_POI_JOIN = (r"(?:[ \t]+(?:sự|sinh quân|học|hoá|hóa|nghệ thuật|quốc gia|máy|xanh|cơ sở|quân sự|thể thao|văn hóa|văn hoá)"
             r"(?=[ \t]+(?:\p{Lu}|\d|tỉnh|thành phố))|(?:[ \t]+\p{Ll}+){0,2}[ \t]+(?:tỉnh|thành phố|TP\.?|huyện|quận)(?=[ \t]+\p{Lu}))")
# Two names joined by a spaced dash name an intersection or a road ("ngã tư Điện Biên Phủ - Đinh Tiên Hoàng").
_POI_NAME = (rf"(?:{_POI_CORE}(?:{_POI_JOIN}[ \t]+{_POI_CORE})*(?:[ \t]+[-–][ \t]+{_POI_CORE})?"
             rf"(?:[ \t]+(?:sự|sinh quân)(?![\w]))?)")
# A shop named after its owner keeps the title ("quán cơm Bà Ba", "tiệm tạp hóa bà Tư"); the gate of a place is
# part of it ("cổng chợ Đông Ba").
_POI_OWNER = r"(?:(?i:bà|ông|cô|chú|dì|cậu|thím)[ \t]+)"
_POI = (rf"(?=[\p{{L}}])(?<![\w.])(?<!(?i:quê|que)[ \t])(?:(?i:cổng|cong)[ \t]+)?(?P<kw>{_POI_KEYWORD})"
        rf"(?P<kind>(?:[ \t]+(?i:{_POI_KIND_WORDS})){{0,3}})[ \t]+(?P<owner>{_POI_OWNER})?(?P<name>{_POI_NAME})")
_HEALTH_WORDS = regex.compile(
    r"^(?:bệnh viện|benh vien|bv|phòng khám|phong kham|pk|trạm y tế|tram y te|tyt|trung tâm y tế|trung tam y te|ttyt|bệnh xá"
    r"|nhà thuốc|nha thuoc|quầy thuốc|quay thuoc|hiệu thuốc|hieu thuoc|viện|cdc|hcdc|trung tâm kiểm soát)\b",
    regex.IGNORECASE,
)
# An address unit right after a health facility's name is part of that name ("Trung tâm Y tế huyện
# Tân Yên", "Bệnh viện Đa khoa tỉnh Quảng Nam"): the facility is not PII here, nor is its place.
_FACILITY_WORD = (
    r"(?:\p{Lu}[\p{L}.-]*|\d+|(?i:đa khoa|da khoa|khu vực|khu vuc|trung ương|trung uong|cơ sở|co so|y học|cổ truyền|quân y"
    r"|dã chiến|nhiệt đới|sản|nhi|phổi|mắt|tim|lao|tâm thần|phục hồi chức năng|y tế|y te|kiểm soát|bệnh tật|dịch bệnh|quốc tế"
    r"|tư nhân|đa|khoa|số|so|huyện|huyen|tỉnh|tinh|quận|quan|thành phố|thanh pho|thị xã|thi xa|tp\.?|thị trấn|phường|xã|của))"
)
_FACILITY_BEFORE = regex.compile(
    r"(?i:bệnh viện|benh vien|\bbv|phòng khám|phong kham|trạm y tế|tram y te|\btyt|trung tâm y tế|trung tam y te|\bttyt|bệnh xá"
    r"|trung tâm kiểm soát bệnh tật|trung tâm kiểm soát dịch bệnh|\bcdc|nhà thuốc|nha thuoc|quầy thuốc|quay thuoc|hiệu thuốc|\bubnd|ủy ban nhân dân|uỷ ban nhân dân"
    r"|công an|bhxh|bảo hiểm xã hội|huyện ủy|huyện uỷ|thành ủy|thành uỷ|tỉnh ủy|tỉnh uỷ|quận ủy|quận uỷ|sở y tế)"
    rf"(?:[ \t]+{_FACILITY_WORD}){{0,8}}[ \t]*$"
)
# A number after a point-of-interest keyword followed by one of these is a size ("khách sạn 9 tầng").
_SIZE_AFTER = regex.compile(r"[ \t]*(?i:tầng|phòng|giường|chỗ|người|căn|sao|ha|m2|lần)(?!\p{L})")
# A ward or district named without its keyword ("ở Tân Lập, Đan Phượng, Hà Nội"): a capitalised run
# that is a known ward or district name; weak alone, strong next to other parts or before a province.
# Only where an address sequence can be: after a comma, a dash, "(" or an address word, or before a comma.
_LOCAL_RUN = r"\p{Lu}\p{Ll}*(?:[ \t]+\p{Lu}\p{Ll}*){0,3}(?![\w])"
_LOCAL_NAME = (rf"(?=\p{{Lu}})(?<![\w.])(?:(?<=[,(–-][ \t]*|(?i:ở|tại|tai|trú|chỉ|ngụ|quán|về|đến|qua)[ \t]+){_LOCAL_RUN}"
               rf"|{_LOCAL_RUN}(?=[ \t]*[,(–-]))")
_PROVINCE_AFTER = regex.compile(
    r"[ \t]*(?:,|-|–|\()[ \t]*(?i:tỉnh|tinh|thành phố|thanh pho|tp\.?)?[ \t]*(?:" + alternation(
        [v for v in case_variants(list(province_names())) if v[:1].isupper()]) + r")(?![\w])"
)
_AIRPORT_ALT = alternation(AIRPORTS)
# Cities below province level ("Nha Trang", "Hội An") and places abroad ("London", "Vũ Hán") named alone.
_CITY_ALT = alternation(capitalised_variants(below_province_cities() + FOREIGN_CITIES))
_STREET_CUE_BEFORE = regex.compile(r"(?:^|[^\w])(?i:ở|tại|trên|dọc|đến|qua|gần|phố|mặt tiền)[ \t]+$|\([ \t]*$")
_TITLE_SURNAME_ALT = alternation({v for v in case_variants(SURNAMES) if v[:1].isupper() and not v.isupper()})
_UNIT_AFTER_STREET = r"(?:(?i:phường|quận|thành phố|thị xã|thị trấn|huyện|xã)(?!\w)|(?-i:TP\.?|Tp\.?|P\.|Q\.))"
_STREET_NUMBER_BEFORE = regex.compile(r"(?:(?i:số|tại|ở|nhà)[ \t]+|[(,][ \t]*)$")
# "thôn Văn Lâm 3", "tổ dân phố Lãnh Thượng 2": a number ending a named unit (not a count or a date).
_TRAILING_NUMBER = regex.compile(r"[ \t]+\d{1,3}[A-Z]?(?![\w/.,:-]\w|[ \t]*(?i:tuổi|người|ca|ngày|tháng|năm|lần|giờ|h)(?!\w))")
_ADDRESS_TRIGGER = regex.compile(
    r"(?:địa chỉ|dia chi|trú tại|tru tai|trú ở|thường trú|thuong tru|tạm trú|tam tru|cư trú|cu tru|ngụ tại|ngu tai|"
    r"ngụ ở|sống tại|song tai|ở tại|nhà ở|nha o|quê quán|que quan|nơi ở|noi o|ở|tại|tuổi\s*,)\s*[:,]?\s*$",
    regex.IGNORECASE,
)
# Between two parts of one address: a comma or a dash, or the words of a road segment or a direction
# ("Quốc lộ 1A đoạn qua huyện Quỳnh Lưu", "cầu Thăng Long, hướng Nội Bài").
_GAP = regex.compile(r"[ \t]*(?:[,;]|[-–])?[ \t]*(?:(?i:đoạn qua|đoạn|hướng về|hướng đi|hướng)[ \t]+)?")
# Frequent words that, written without diacritics, look like surnames (không/Khổng, là/La, từ/Từ ...).
_COMMON_UNACCENTED_WORDS = frozenset("khong la tu ha lam van tang vi luc dau do da de co hoa ban lo cu mai to".split())
_STOP_WORD_LIST = "Quận Huyện Tỉnh Thành Phường Xã Thị TP Tp Tổ Thôn Ấp Xóm Khu Đường Phố Số Ngõ Hẻm Bản Việt Nam".split()
_STOP_WORDS = frozenset(fold(w) for w in _STOP_WORD_LIST)
# Compared as written when the word has diacritics: "Tân Tô", "Pù Quăn" go on, "Tổ", "Quận" stop a name.
_STOP_WORDS_AS_WRITTEN = frozenset(w.lower() for w in _STOP_WORD_LIST)
# A number right after a unit keyword is the unit's, not a house on a street ("Quận 3 Võ Văn Tài" is a district
# and a person).
_UNIT_KEYWORD_BEFORE = regex.compile(r"(?:^|[^\w])(?i:quận|quan|phường|phuong|huyện|xã|tổ|khu phố|khu pho|ấp|thôn|xóm|đội|khối"
                                     r"|p\.|q\.)[ \t]*$")


_FOLDED_COUNTRIES = frozenset(fold(c) for c in COUNTRIES)
# Unit keywords as written (with diacritics: "Thanh Xuân" is a district, "Thành phố" is not a name).
_UNIT_WORDS_AS_WRITTEN = frozenset("tỉnh thành quận huyện phường xã thị tp thôn ấp xóm khu đường phố số ngõ hẻm".split())
_WORD_RE = regex.compile(WORD)


@lru_cache(maxsize=None)
def _local_first_words() -> frozenset[str]:
    """First words of the ward and district names (a cheap test before the full lookup)."""
    return frozenset(name.split()[0] for name in folded_local_place_names() if name)

# Capitalised words after a point-of-interest keyword that start something other than a place name.
_POI_STOP = frozenset(fold(w) for w in (
    "Bộ Sở Ủy Uỷ UBND Covid COVID Y Tế Việt Đảng Chính Tôi Chúng Họ Ông Bà Anh Chị".split()
))
_POI_STOP_AS_WRITTEN = frozenset(
    "bộ sở ủy uỷ ubnd covid y tế việt đảng chính tôi chúng họ ông bà anh chị".split())


# Lower-case words after a one-word point-of-interest name that end it: function words, verbs a
# patient's movements take, time and quantity words.
_NAME_CONTINUATION_STOP = frozenset("""
ở tại trên trong ngoài của và với từ đến tới lúc ngày giờ hôm sáng trưa chiều tối đêm vào ra có là được đã đang sẽ
vẫn để thì mà nên khi sau trước cùng thuộc gần bên cạnh rồi lại cũng không chưa này đó kia nào nhưng hoặc hay như do vì
bị cho theo qua về đi mua bán ăn uống làm gặp chơi ngồi nghỉ ngủ khám xét nghiệm tiếp xúc cách ly điều trị nhập xuất
phát hiện ghi nhận liên quan nơi các những một hai ba số khoảng gồm tham dự dự ghé chờ nằm đóng mở phong tỏa toả tỏa
di chuyển
""".split())
_LOWER_WORD_AFTER = regex.compile(r"[ \t]+(\p{Ll}+)(?![\p{L}\d])")
_NAME_BOUNDARY_AFTER = regex.compile(r"[ \t]*(?:$|[,.;:!?)\]\"”\n–-])|[ \t]+(?:\p{Lu}|\d|(?:" + "|".join(
    sorted(_NAME_CONTINUATION_STOP, key=len, reverse=True)) + r")(?![\p{L}]))")


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
        Pattern("house_extra", rf"(?<![\w.])(?P<kw>{_ROOM_KEYWORD})[ \t]*(?P<name>[A-Z]?\d{{1,4}}[A-Z]?\d{{0,2}}(?:[/.-]\d{{1,4}})?)(?![\w/])", 0.3),
        Pattern("poi", _POI, 0.85),
        Pattern("airport", rf"(?<![\w])(?:{_AIRPORT_ALT})(?![\w])", 0.85),
        Pattern("city", rf"(?=[\p{{Lu}}Tt])(?<![\w.-])(?:(?i:thủ đô|thu do)[ \t]+)?(?:{_CITY_ALT})(?![\w])(?!-\w)", 0.85),
        Pattern("local_name", _LOCAL_NAME, 0.3),
        # A street named after a person without "đường" or a house number, right before a ward, district
        # or city ("Lý Thường Kiệt, TP Vinh", "Trần Phú, quận Ba Đình").
        Pattern("street_bare", rf"(?=\p{{Lu}})(?<![\w.])(?:{_TITLE_SURNAME_ALT})(?:[ \t]+\p{{Lu}}\p{{Ll}}*){{1,3}}(?=[ \t]*,[ \t]*{_UNIT_AFTER_STREET})", 0.6),
        Pattern("house_number", rf"(?<![\w/.,])(?i:số|so)[ \t]+{_NUM}(?![\w/])", 0.3),
        # A kilometre mark before its road ("km 18 quốc lộ 5"): weak, it joins the road.
        Pattern("km_mark", rf"(?=[kK])(?<![\w.])(?i:km)[ \t]*\d{{1,4}}(?:[+.]\d{{1,3}})?(?=[ \t]+(?:{_KEYWORDS['street']}))", 0.3),
        # A house number right before its street keyword ("67 phố Bạch Mai", "12 ngõ 4"): weak, it joins the street.
        Pattern("house_before_street", rf"(?=\d)(?<![\w/.,]){_NUM}(?=[ \t]+(?:{_KEYWORDS['street']}))", 0.3),
        Pattern(
            "number_street",
            rf"(?<![\w/.,]){_NUM}[ \t]+(?:\p{{Lu}}\p{{Ll}}+(?:[ \t]+\p{{Lu}}\p{{Ll}}*){{0,4}}|\p{{Lu}}{{2,}}(?:[ \t]+\p{{Lu}}+){{0,4}})",
            0.3,
        ),
        Pattern("compact_unit", rf"(?<![\w.]){_COMPACT_UNIT}", 0.3),
    ]
    # Where matches can start: a unit, room or POI keyword ("cổng" before it), an airport, a surname; a city
    # needs a listed city.
    STARTS = {
        **{name: _KEYWORD_START for name in (*(f"unit_{kind}" for kind in _KEYWORDS), "house_extra", "house_number",
                                             "km_mark", "compact_unit")},
        "poi": rf"(?<![\w.])(?:(?i:cổng|cong)|{_POI_KEYWORD})",
        "airport": literal_words(_AIRPORT_ALT),
        "street_bare": literal_words(_TITLE_SURNAME_ALT),
    }
    GATES = {"city": literal_words(_CITY_ALT)}
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []
    STRONG = 0.85

    def __init__(self, supported_language: str = "vi"):
        super().__init__(supported_language)
        _local_first_words()  # built once here, not by the first text (nor by every worker)

    def _component_end(self, text: str, match, pattern: Pattern):
        """End offset of a component starting at match.start(), and whether it is strong; None if not one."""
        found = self._component_end_core(text, match, pattern)
        if found is not None and pattern.name in ("unit_hamlet", "unit_street", "unit_ward"):
            number = _TRAILING_NUMBER.match(text, found[0])
            if number is not None and not text[found[0] - 1:found[0]].isdigit():
                return number.end(), found[1]
        return found

    def _component_end_core(self, text: str, match, pattern: Pattern):
        name = pattern.name
        if name in ("house_number", "compact_unit", "house_before_street", "km_mark"):
            return match.end(), False
        if name == "house_extra":
            return match.end(), False
        if name == "airport":
            return match.end(), True
        if name == "city":
            # Inside a longer proper name ("Đại học Nha Trang", "Tân Sơn Nhất"), not a place of its own.
            if inside_proper_name(text, match.start()):
                return None
            return match.end(), True
        if name == "street_bare":
            # Only after a place cue: "anh Nguyễn Văn A, phường X" is a person and his ward.
            if not _STREET_CUE_BEFORE.search(text, max(0, match.start() - 15), match.start()):
                return None
            return match.end(), True
        if name == "poi":
            return self._poi_end(text, match)
        if name == "local_name":
            return self._local_name_end(text, match)
        if name == "number_street":
            words = self._name_words(text, match.start() + len(regex.match(_NUM, text[match.start():]).group()), match.end())
            count = self._title_run(words)
            # Street names without a keyword have two or more syllables ("12 Lê Lợi"); one word
            # after a number is usually something else ("52 TUỔI").
            if count < 2 or _UNIT_KEYWORD_BEFORE.search(text, max(0, match.start() - 12), match.start()):
                return None
            # "quán pizza số 106 Trần Thái Tông", "(36 Ngô Quyền)": a house on a street named after a person.
            strong = (fold(words[0][2]) in folded_surnames() and _STREET_NUMBER_BEFORE.search(text[max(0, match.start() - 12):match.start()])
                      is not None)
            return words[count - 1][1], strong
        kind = name.removeprefix("unit_")
        if kind in ("hamlet", "ward") and _ROLE_BEFORE_UNIT.search(text, max(0, match.start() - 8), match.start()):
            return None
        value_start, value_end = match.span("name")
        value = text[value_start:value_end]
        keyword = match.group("kw")
        if value[0].isdigit():
            if _TIME_OR_PHONE_VALUE.fullmatch(value):
                return None  # "chau Quan: 7h" is a name and a time
            # "số nhà 12" is weak alone; "phường 5", "tổ 7", "đường 3/2" are strong.
            return value_end, kind != "house"
        if kind == "house":
            return None
        if kind in ("street", "hamlet") and _NUMBERED_VALUE.match(value):
            return value_end, True  # "đường số 7", "duong so 7", "tổ dân phố số 6"
        words = self._name_words(text, value_start, value_end)
        if len(words[0][2]) == 1 and (text[words[0][1]:words[0][1] + 1] == "." or keyword.endswith(".")):
            return None  # "H.T.M", "H.C" after "H." are a person's initials, not a district
        folded_words = [fold(w) for _, _, w in words]
        if (len(words) > 2 and kind != "street" and folded_words[0] in folded_surnames() and folded_words[1] == "thi"
                and " ".join(folded_words[:3]) not in folded_local_place_names()):
            return None  # "BHXH huyện Lò Thị Phương": the unit of an office, then a woman's name
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

    def _poi_end(self, text: str, match):
        """End of a point of interest ("chợ Đồng Xuân", "quán bar Hoa Sữa", "sân bay quốc tế Cam Ranh"), strong."""
        keyword = match.group("kw")
        if _HEALTH_WORDS.match(text[match.start():match.start() + 30]):
            return None
        words = self._name_words(text, match.start("name"), match.end("name"))
        if not words and not match.group("name")[:1].isdigit():
            return None
        name = match.group("name")
        if self._not_a_place_keyword(text, match, keyword.lower(), name):
            return None
        if keyword in _POI_LOWER_KEYWORDS and (name[:1].isdigit() or (
                keyword == "cầu" and _COMPOUND_BEFORE_CAU.search(text, max(0, match.start() - 8), match.start()))):
            return None  # "tiểu cầu 197", "yêu cầu Công an"
        # "Trường" is also a given name, "Thành" too: a person or a town, not a place here.
        kind_words = text[match.end("kw"):match.start("name")].strip()
        has_lower = any(w[:1].islower() for _, _, w in words)
        if not kind_words and not has_lower and keyword in ("Trường", "trường", "làng", "Làng", "đảo", "Đảo") and all(
                fold(w) in folded_name_syllables() for _, _, w in words):
            return None
        if keyword.lower() in ("công ty", "cty", "trường", "thành", "ga", "đình", "đền", "thành") and words and len(words) == 1 and fold(words[0][2]) in _POI_STOP:
            return None
        if match.group("owner") and not match.group("kind").strip():
            return None  # "chợ bà Tư" may be a person at the market; "quán cơm bà Tư" is a shop
        if name.split()[0].lower() in _POI_STOP_AS_WRITTEN:
            return None  # with its diacritics: "chợ Ba Vì" is a market, "chợ Bà ..." is not
        # "Chợ Rẫy" is a hospital; "khu cách ly Trung tâm Y tế ..." names a health facility.
        if text[match.start():match.end("name")] in HEALTH_FACILITY_NICKNAMES or regex.match(
                r"[ \t]+(?i:tâm|khoa)\b", text[match.end("name"):match.end("name") + 6]):
            return None
        end = match.end("name")
        while end > match.start("name") and text[end - 1] in ".-'’":
            end -= 1  # the sentence's full stop is not part of the name ("chợ Cồn.")
        if name[:1].isdigit() and _SIZE_AFTER.match(text, end):
            return None
        if len(words) == 1 and end == words[0][1] and not name[:1].isdigit():
            end = self._lower_name_end(text, end)
        return end, True

    @staticmethod
    def _not_a_place_keyword(text: str, match, keyword: str, name: str) -> bool:
        """The keyword ends a common word ("lao động", "hiện trường"), follows an owner ("chủ quầy Võ Thị Xinh"),
        is a surname before a middle name ("Lăng Thị Xuyên"), or takes a clock time or a phone number."""
        before = text[max(0, match.start() - 16):match.start()]
        compound = _COMPOUND_BEFORE.get(keyword)
        if (compound is not None and compound.search(before)) or _OWNER_BEFORE.search(before):
            return True
        if match.group("kw")[:1].isupper() and fold(match.group("kw")) in folded_surnames() and _MIDDLE_NAME_AFTER.match(name):
            return True
        if match.group("kw")[:1].isupper() and _SURNAME_BEFORE.search(before):
            return True  # "Phan Đình Khởi": the keyword is a middle name
        return _TIME_OR_PHONE_VALUE.match(name) is not None

    @staticmethod
    def _lower_name_end(text: str, end: int) -> int:
        """A one-word name that goes on in lower case ("nhà hàng Thế giới bò tươi", "siêu thị Điện máy xanh"):
        up to three more lower-case words, none a function word or a verb, and only when a boundary follows
        them (punctuation, the end of the text, a capitalised word or a function word); else the name ends
        where it did ("chợ Cồn mua rau" stays "chợ Cồn")."""
        words = []
        for match in _LOWER_WORD_AFTER.finditer(text, end):
            if match.start() != (words[-1].end() if words else end) or len(words) == 3:
                break
            if match.group(1) in _NAME_CONTINUATION_STOP:
                break
            words.append(match)
        while words:
            if _NAME_BOUNDARY_AFTER.match(text, words[-1].end()):
                return words[-1].end()
            words.pop()
        return end

    def _local_name_end(self, text: str, match):
        """End of the longest known ward/district name at the start of a capitalised run, weak."""
        words = self._name_words(text, match.start(), match.end())
        if not words or fold(words[0][2]) not in _local_first_words() or words[0][2].lower() in _UNIT_WORDS_AS_WRITTEN:
            return None  # "Tỉnh An Giang" is not the ward "Tịnh An"
        folded_words = [fold(w) for _, _, w in words]
        for size in range(len(words), 0, -1):
            candidate = " ".join(folded_words[:size])
            if candidate in folded_province_names() or candidate in _FOLDED_COUNTRIES:
                return None
            if candidate in folded_local_place_names() and (size >= 2 or len(candidate) > 3):
                if " ".join(w for _, _, w in words[:size]) in HEALTH_FACILITY_NICKNAMES:
                    return None
                return words[size - 1][1], False
        return None

    @staticmethod
    def _name_words(text: str, start: int, end: int):
        return [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text, start, end)]

    @staticmethod
    def _title_run(words) -> int:
        """Number of leading capitalised words that can be part of a place name."""
        count = 0
        for index, (_, _, word) in enumerate(words):
            if _style(word) == "lower":
                break
            if index > 0 and fold(word) == "viet" and (index + 1 == len(words) or fold(words[index + 1][2]) != "nam"):
                count += 1  # "Triệu Việt Vương": "Việt" stops a name only as "Việt Nam"
                continue
            if index > 0 and (word.lower() in _STOP_WORDS_AS_WRITTEN or (not has_diacritics(word) and fold(word) in _STOP_WORDS)):
                break
            count += 1
        return count

    def find(self, text: str) -> List[RecognizerResult]:
        components: dict[int, tuple[int, bool]] = {}
        # Rooms, floors and blocks alone ("khám tại phòng 12, tầng 2") are inside a facility, not an address.
        rooms: set[int] = set()
        for pattern, _, match in self.pattern_matches(text):
            found = self._component_end(text, match, pattern)
            if found is None:
                continue
            end, strong = found
            start = match.start()
            previous = components.get(start)
            if previous is None or (end, strong) > previous:
                components[start] = (end, strong)
                if pattern.name == "house_extra":
                    rooms.add(start)
                else:
                    rooms.discard(start)
        # Drop components inside a longer one, then merge neighbours into chains.
        ordered = sorted(components.items(), key=lambda item: (item[0], -item[1][0]))
        chains: list[list[int | bool]] = []
        for start, (end, strong) in ordered:
            room = start in rooms
            if chains and start < chains[-1][1]:
                if end > chains[-1][1]:
                    chains[-1][1] = end
                chains[-1][2] = chains[-1][2] or strong
                chains[-1][4] = chains[-1][4] and room
                continue
            if chains:
                gap = text[chains[-1][1]:start]
                if _GAP.fullmatch(gap):
                    chains[-1][1] = end
                    chains[-1][2] = chains[-1][2] or strong
                    chains[-1][3] += 1
                    chains[-1][4] = chains[-1][4] and room
                    continue
            chains.append([start, end, strong, 1, room])
        results = []
        for start, end, strong, parts, only_rooms in chains:
            if only_rooms or _FACILITY_BEFORE.search(text[max(0, start - 80):start]):
                continue
            triggered = bool(_ADDRESS_TRIGGER.search(text[max(0, start - 30):start]))
            if not (strong or parts > 1 or triggered or _PROVINCE_AFTER.match(text, end)):
                continue
            score = self.STRONG if (strong or triggered) else 0.6
            results.append(self.result(start, end, score, "address_chain"))
        return EntityRecognizer.remove_duplicates(results) if results else results
