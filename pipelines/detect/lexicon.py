"""Word lists for Vietnamese PII detection: names, honorifics, place gazetteers.

Everything is matched through `fold()` (lower case, no diacritics, đ -> d) so one list serves
accented, unaccented and ALL-CAPS text. Lists are built from `identifiers.md` §11-§12 and the
reference tables shipped in `pipelines.reference` (no run-time download).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipelines.reference import provinces_34, provinces_63, wards, world_places


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case, strip diacritics and map đ to d, so 'Nguyễn', 'NGUYEN' and 'nguyen' compare equal."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đinh Đoàn Đào "
    "Trịnh Hà Mai Lương Cao Phùng Lưu Lâm Tô Tạ Thái Quách Châu Chu Chế Chung Diệp Doãn Đàm Đồng "
    "Giang Giáp Hứa Khổng Khúc Kiều Kim La Lã Lại Lục Mạc Mạch Mẫn Nghiêm Ngọ Ông Phí Phó Quan "
    "Tăng Thạch Thân Tiêu Tôn Tống Triệu Trình Từ Văn Vi Vương Yên Âu Bạch Biện Cù Cung Hàn "
    "Mùa Hạng Cháng Vừ Tráng Chảo Sình Danh Lò Cầm Quàng Hoàng "
    "Hầu Hoa Khương Lò Lạc Lò Mã Nông Ninh Sầm Sùng Thào Giàng Vàng Lầu Hạ Tiết Trang Ứng Viên Lữ "
    "Nhữ Ngạc Âu Dư Đậu Đường Hồng Kha Lạng Lường Mông Nhan Ôn Phương Quản Tường Ung Vòng Ưng"
).split()

# Middle and given names (identifiers.md §12.1-12.3 plus common ones); used to accept ALL-CAPS
# and lower-case names, where capitalisation gives no signal.
NAME_SYLLABLES = (
    "Văn Thị Hữu Đức Công Quang Minh Xuân Ngọc Thu Kim Thúy Thuý Mai Thanh Hoàng Đình Bá Duy Gia "
    "Anh Linh Phương Nhi Trang Hùng Dũng Thủy Thuỷ Huy Tiến Thảo An Hà Hương Hoa Tuấn Nam Hải Sơn "
    "Bình Hòa Hoà Lan Long Hưng Khánh Khoa Kiên Lâm Lộc Luân Mạnh Nghĩa Nhân Phong Phúc Quân Quốc "
    "Quý Tài Tâm Thắng Thành Thiện Thịnh Toàn Trí Trung Trường Tú Tùng Việt Vinh Vũ Bảo Cường Chiến "
    "Chính Cương Đạt Đông Dương Giang Hậu Hiếu Hiệp Hiển Hoan Hồng Khải Khang Khôi Lực Lượng Nguyên "
    "Nhật Pháp Phát Phi Phú Phước Quyết Sang Sáng Tân Thái Thiên Thông Tín Toản Trọng Tuệ Tường Uy "
    "Vĩnh Vương Yên Ánh Bích Cúc Diệp Diệu Dung Duyên Giao Hạnh Hằng Hiền Hoài Huệ Hường Huyền Khuê "
    "Kiều Lài Lệ Liên Liễu Loan Ly Mến My Mỹ Nga Ngân Nguyệt Nhung Như Nhàn Nữ Oanh Phượng Quyên "
    "Quỳnh Sương Tuyết Thơ Thoa Thư Thương Thùy Thuỳ Trinh Tú Uyên Vân Vi Xuyến Yến Vy Chi Diễm "
    "Hạ Hân Hiên Khanh Lam Lành Lê Liên Nương Tiên Trâm Trân Tuyền Vui Mơ Nở Đào Lụa Gấm Hường "
    "Tư Năm Sáu Bảy Tám Chín Út Hai Ba Mười Tý Tèo Bông Na Bống Bin Su Tin Ken "
    "Đăng Đạo Điệp Định Đoàn Đồng Được Hào Hạo Hiệu Hòe Học Huân Kha Khải Khiêm Kỳ Lập Lễ Liêm "
    "Luận Mẫn Ngạn Nghị Ngôn Nhất Nhựt Ninh Phụng Quảng Quế Sĩ Sỹ Song Sử Tạo Thạch Thăng Thanh "
    "Thể Thi Thiệu Thọ Thống Thuận Thức Tiếp Tịnh Tôn Trà Triết Triều Trịnh Trực Tuân Tuyên Tư "
    "Ưng Vịnh Võ Vượng Xương Yến Ái Châu Cầm Diên Dịu Đoan Hảo Huỳnh Khuyên Lụa Mận Ngà Nhạn "
    "Phấn Quế Sen Thắm Thanh Thêu Thủy Trúc Tươi Xoan Phong Phương Đức Trãi Du Lợi Kiệt Trinh "
    # (not Bế, Bồ/Bo, Chương, Luyến, Thìn: the synthetic generator draws from them, tests/test_synth_names_heldout.py)
    "Hiếu Nhã Hợp Vĩ Hy Khoa Doanh Dân Bắc Hòa Huấn Quỳ Nghiêm Triệu Xuyên Tun Bi Tí Mít"
).split()

# Kinship, politeness and professional titles that precede a name (identifiers.md §12.4, §11).
HONORIFICS = (
    "ông", "bà", "anh", "chị", "cô", "chú", "bác", "cậu", "dì", "cháu", "bé", "em", "cụ", "thím", "mợ",
    "bệnh nhân", "người bệnh", "bn", "người nhà", "họ tên", "họ và tên", "tên", "bệnh nhi", "sản phụ",
    "mẹ", "bố", "cha", "vợ", "chồng", "con", "mẹ là", "bố là", "cha là", "vợ là", "chồng là", "con là",
    "người giám hộ", "người nuôi dưỡng", "người đỡ đẻ", "người liên hệ", "người thân",
    "bs", "bác sĩ", "bác sỹ", "ths", "ts", "pgs", "gs", "bsck1", "bsck2", "bscki", "bsckii", "bsnt",
    "đd", "điều dưỡng", "ktv", "kỹ thuật viên", "ds", "dược sĩ", "y sĩ", "hộ sinh", "nữ hộ sinh",
    "trưởng khoa", "phó khoa", "giám đốc", "cn", "ths.bs", "ths bs", "pgs.ts", "gs.ts", "ts.bs",
    # Kinship compounds ("con trai Nam"): without them the second word hides the first.
    "con trai", "con gái", "anh trai", "em trai", "em gái", "chị gái", "anh rể", "chị dâu", "con dâu",
    "con rể", "bà nội", "bà ngoại", "ông nội", "ông ngoại", "cháu nội", "cháu ngoại", "bố đẻ", "mẹ đẻ",
    "bố chồng", "mẹ chồng", "bố vợ", "mẹ vợ", "chủ hộ", "người đại diện", "người chăm sóc",
    "thạc sĩ", "tiến sĩ", "giáo sư", "phó giáo sư", "bsck", "bs ck1", "bs cki", "bs ck2", "bs ckii",
    "phẫu thuật viên", "ptv", "trẻ", "nữ hộ sinh", "khai tên là", "tên là",
    # Roles a news report or a note puts before a person's name ("du khách Ivan Petrov", "y tá Thảo").
    "y tá", "hộ lý", "nạn nhân", "du khách", "chú rể", "cô dâu", "ca bệnh là", "bệnh nhân nữ",
    "bệnh nhân nam", "bn nữ", "bn nam", "BN nữ", "BN nam", "người bệnh nữ", "người bệnh nam", "thai phụ",
    # Call-centre and office roles, and a caller's own name ("tổng đài viên Hà My", "xưng là Tuấn").
    "tổng đài viên", "tư vấn viên", "phiên dịch viên", "luật sư", "tài xế", "xưng là", "xưng tên",
    # Roles of people in certificates, minutes and claims ("người chết: …", "chứng kiến: …", "thẩm định viên …").
    "người chết", "người làm chứng", "người chứng kiến", "chứng kiến", "người nhận xác", "người lập biên bản",
    "người được bảo hiểm", "người tham gia", "người nộp", "thẩm định viên", "giám định viên", "chuyên viên",
    "điện thoại viên", "đtv", "dsđh", "dsth", "dscđ", "dsdh", "dscd",
    # Callers, claimants, workers and the English titles of translated summaries ("Mr. Okafor", "Patient: …").
    "người gọi", "người báo tin", "người khai tử", "người khai", "người lao động", "khách hàng", "nhân viên",
    "bs điều trị", "bác sĩ điều trị", "bs khám", "bác sĩ khám", "mr", "mrs", "ms", "miss", "dr", "patient",
    # Village and road roles whose last word is also a place word ("trưởng thôn Ksor Nhưn", "tài xế …").
    "trưởng thôn", "trưởng bản", "trưởng ấp", "trưởng xóm", "trưởng khu phố", "già làng", "tổ trưởng", "chủ quán",
    "chủ quầy", "chủ tiệm", "chủ nhà hàng", "chủ cửa hàng",
) + tuple(
    # A role on duty or in charge before the name ("BS trực đêm: …", "ds phu trach: …"), accented or not.
    f"{role} {duty}" for role in ("bs", "bác sĩ", "bac si", "đd", "dd", "điều dưỡng", "dieu duong", "ds", "dược sĩ", "duoc si", "ktv")
    for duty in ("trực", "trực đêm", "trực ngày", "phụ trách", "truc", "truc dem", "truc ngay", "phu trach")
)

# Single-word kinship and politeness terms: before a lone given name they are followed by a space,
# never by ":" or "," ("bà Lan", but "sau mo: The trang" in text without diacritics is not a name).
KINSHIP_WORDS = frozenset(
    "ông bà anh chị cô chú bác cậu dì cháu bé em cụ thím mợ mẹ bố cha vợ chồng con trẻ".split()
)

# Clan names of Ê Đê / Jrai / Bahnar names (identifiers.md §12.6), which do not start with a Kinh surname:
# "Y Thuyên Mlô", "H'Hen Niê", "Rơ Mah Hlăm".
HIGHLAND_CLANS = (
    "Niê Êban Mlô Ksơr Ksor Byă Adrơng Ayun Hđơk Knul Kbuôr Êya Hwing Siu Kpă Rcom Hmok Mdrang "
    "Rahlan Kpơr Êñuôl Alê Bkrông Ênuôl Đinh Rmah"
).split()

# Jrai / Bahnar clan names, which come first ("Ksor Nhiên", "Rơ Mah Hlăm", "Siu H'Mai").
HIGHLAND_CLANS_FIRST = (
    "Ksor", "Ksơr", "Siu", "Rmah", "Rơ Mah", "Rơ Châm", "Rơ Lan", "Rơ Ô", "Rơ Com", "Kpă", "Kpuil", "Puih",
    "Rcom", "Hiao", "Nay", "Rahlan", "Ralan", "Rô Mah",
)

# Words after which a capitalised name is a place or an institution, not a person (§12.5).
PLACE_OR_FACILITY_WORDS = (
    "đường", "phố", "phường", "xã", "quận", "huyện", "thị trấn", "thị xã", "thành phố", "tp", "tỉnh",
    "bệnh viện", "bv", "trường", "trạm y tế", "tyt", "ttyt", "trung tâm", "phòng khám", "pk", "cầu", "chợ",
    "công viên", "ngõ", "ngách", "hẻm", "kiệt", "khu", "thpt", "thcs", "đại học", "học viện", "lăng",
    "quảng trường", "p", "q", "đặc khu", "thôn", "xóm", "ấp", "tổ", "khu phố", "kp", "hội", "công ty",
    "cty", "nhà văn hóa", "nhà văn hoá", "bến xe", "bến", "sân bay", "quỹ", "giải", "giải thưởng",
    "chùa", "đền", "nhà thờ", "viện", "khoa", "phòng", "ga", "tượng", "sông", "núi", "đảo", "buôn", "bản",
    "đồn", "tiểu học", "mầm non", "trường thpt", "ủy ban", "ubnd", "huyện đội", "trại",
    "địa chỉ", "trú tại", "quê quán", "nhà thuốc", "quầy thuốc", "hiệu thuốc",
)

# Title-case bigrams that start with a surname but are common words (folded).
NON_NAME_PHRASES = frozenset({
    "cao dang", "ho so", "ly do", "giang mai", "bach cau", "doan thanh nien", "cao huyet ap",
    "ho hap", "lam sang", "ha huyet ap", "vi khuan", "vi rut", "tang huyet ap", "dong y", "ho tro",
    "phuong phap", "phuong an", "tien su", "chu ky", "hong cau", "quan sat", "phan loai", "kim tiem",
    "van de", "vu viec", "luu y", "to chuc", "hoang dan", "mai tang", "trieu chung", "thai ky",
    "thai nhi", "ha duong huyet", "tang duong huyet", "hoa chat", "hoa tri", "don vi", "dong thoi",
    "lai xe", "ky thuat", "ninh binh", "tieu duong", "hai duong", "chu yeu", "khuc xa", "quan ly",
    "ung thu", "trung tam", "cong ty", "kim chi", "hong hao", "hong nhuan", "bach hau",
})

# Countries, world regions and places abroad: `pipelines/reference/world_places.tsv` (written from
# general knowledge). Short country names that are also common words or surnames ("Anh", "Hàn") are
# left to the nationality list of the person recognizer.
_AMBIGUOUS_COUNTRY_NAMES = frozenset({"Anh", "Hàn", "Georgia", "Jordan"})
COUNTRIES = tuple(r["name"] for r in world_places() if r["kind"] == "country" and r["name"] not in _AMBIGUOUS_COUNTRY_NAMES)
# Regions larger than a province ("Đông Nam Á", "Tây Nguyên", "ĐBSCL"): coarse like a country.
WORLD_REGIONS = tuple(r["name"] for r in world_places() if r["kind"] == "region")
# Cities, islands and states abroad ("London", "Vũ Hán", "Siem Reap"): a place finer than a country.
FOREIGN_CITIES = tuple(r["name"] for r in world_places() if r["kind"] == "city")

PROVINCE_ALIASES = (
    "TP.HCM", "TP. HCM", "TPHCM", "TP HCM", "Tp.HCM", "Tp. HCM", "HCM", "Sài Gòn", "Huế", "Thừa Thiên - Huế",
    "Bà Rịa - Vũng Tàu", "Bà Rịa-Vũng Tàu", "Vũng Tàu", "Hà Nội", "HN", "Đà Nẵng", "Hải Phòng", "Cần Thơ",
)

# Cities and towns below province level that are named on their own, like a province ("mới từ Nha
# Trang về"): finer than a province, so a VN_ADDRESS. More come from the reference table (the former
# provincial cities, `below_province_cities()`).
CITIES = (
    "Nha Trang", "Đà Lạt", "Buôn Ma Thuột", "Quy Nhơn", "Hạ Long", "Phan Thiết", "Biên Hòa", "Biên Hoà", "Thủ Dầu Một",
    "Pleiku", "Rạch Giá", "Long Xuyên", "Mỹ Tho", "Phú Quốc", "Sa Pa", "Sapa", "Hội An", "Móng Cái", "Thủ Đức",
    "Cam Ranh", "Tuy Hòa", "Tuy Hoà", "Đồng Hới", "Đông Hà", "Sầm Sơn", "Cửa Lò", "Mũi Né", "Hà Tiên",
    "Châu Đốc", "Cẩm Phả", "Uông Bí", "Việt Trì", "Sơn Tây", "Điện Biên Phủ", "Côn Đảo", "Cát Bà", "Đồ Sơn",
    "Tam Đảo", "Mộc Châu", "Phan Rang", "Phan Rang-Tháp Chàm", "Bảo Lộc", "Cao Lãnh", "Sa Đéc", "Dĩ An",
)

# Airports named without "sân bay" ("nhập cảnh Nội Bài"): points a traveller passed through.
AIRPORTS = (
    "Nội Bài", "Tân Sơn Nhất", "Cam Ranh", "Phú Bài", "Cát Bi", "Vân Đồn", "Liên Khương", "Phù Cát", "Chu Lai",
    "Long Thành", "Côn Đảo", "Thọ Xuân", "Đồng Hới", "Tuy Hòa", "Tuy Hoà", "Nà Sản", "Điện Biên Phủ",
)

# Hospitals known by their name alone, which are also ward names ("đến Bạch Mai"): a health facility,
# not an address (the facility code is kept by policy).
HEALTH_FACILITY_NICKNAMES = frozenset({
    "Bạch Mai", "Chợ Rẫy", "Việt Đức", "Thanh Nhàn", "Xanh Pôn", "Saint Paul", "Hồng Ngọc", "Vinmec", "Hoàn Mỹ",
    "Từ Dũ", "Hùng Vương", "Thống Nhất", "Gia Định", "Nhân Dân Gia Định", "Phạm Ngọc Thạch", "Hữu Nghị",
})

# Centrally-run cities: "thành phố <name>" is the province itself. For the other provinces,
# "thành phố <province name>" is the provincial capital, a district-level unit (an address part).
CENTRAL_CITIES = frozenset({
    "ha noi", "ho chi minh", "hcm", "tp.hcm", "tp. hcm", "tphcm", "tp hcm", "sai gon", "hai phong", "da nang",
    "can tho", "hue", "hn",
})

ADMIN_PREFIX_RE = re.compile(
    r"^(?:thành phố|thành phố|tỉnh|quận|huyện|thị xã|thị trấn|phường|xã|đặc khu)\s+", re.IGNORECASE
)


def bare_place_name(full_name: str) -> str:
    """'Tỉnh Hà Giang' -> 'Hà Giang', 'Phường Lê Lợi' -> 'Lê Lợi' (keeps numeric names such as '5')."""
    return ADMIN_PREFIX_RE.sub("", unicodedata.normalize("NFC", full_name.strip()))


@lru_cache(maxsize=None)
def province_names() -> tuple[str, ...]:
    """Bare province names, old (63) and new (34), with common aliases."""
    names = {bare_place_name(p["name"]) for p in provinces_63()} | {bare_place_name(p["name"]) for p in provinces_34()}
    names |= set(PROVINCE_ALIASES)
    names.add("Hòa Bình")
    names.add("Thừa Thiên Huế")
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


@lru_cache(maxsize=None)
def below_province_cities() -> tuple[str, ...]:
    """CITIES plus the provincial cities of the reference table ("Thành phố Đồng Xoài") whose name is not a
    province's nor part of one ("Bà Rịa"); names made only of given-name syllables ("Long Khánh", "Chí
    Linh") and one-syllable ones ("Vinh") are left out, as alone they are more often a person."""
    provinces = {fold(n) for n in province_names()}
    found = dict.fromkeys(CITIES)
    for row in wards():
        district = row["old_district_name"]
        if not district.startswith("Thành phố "):
            continue
        name = bare_place_name(district)
        words = name.replace("-", " ").split()
        if any(fold(name) in p for p in provinces) or len(words) < 2 or all(fold(w) in folded_name_syllables() for w in words):
            continue
        found.setdefault(name)
    return tuple(found)


@lru_cache(maxsize=None)
def folded_province_names() -> frozenset[str]:
    return frozenset(fold(n) for n in province_names())


@lru_cache(maxsize=None)
def folded_local_place_names() -> frozenset[str]:
    """Bare ward, commune and district names (old and new), folded; numbers excluded."""
    names: set[str] = set()
    for row in wards():
        for column in ("new_ward_name", "old_ward_name", "old_district_name"):
            bare = bare_place_name(row[column])
            if bare and not bare.isdigit():
                names.add(fold(bare))
                # "Cổ Nhuế 1", "Cổ Nhuế 2" are written "Cổ Nhuế" in addresses.
                numbered = re.match(r"^(.*\D)\s+\d+$", bare)
                if numbered:
                    names.add(fold(numbered.group(1)))
    return frozenset(names)


@lru_cache(maxsize=None)
def folded_surnames() -> frozenset[str]:
    return frozenset(fold(s) for s in SURNAMES)


@lru_cache(maxsize=None)
def folded_name_syllables() -> frozenset[str]:
    return frozenset(fold(s) for s in NAME_SYLLABLES) | folded_surnames()


@lru_cache(maxsize=None)
def lower_name_syllables() -> frozenset[str]:
    return frozenset(unicodedata.normalize("NFC", s).lower() for s in NAME_SYLLABLES + SURNAMES)


def load_word_lists() -> None:
    """Build the lazily loaded word lists now: the ward list takes about a second, which should be
    paid once when the analyzer is built, not by the first text (nor by every worker process)."""
    for word_list in (province_names, folded_province_names, folded_local_place_names, folded_surnames,
                      folded_name_syllables, lower_name_syllables):
        word_list()


# Latin letters with diacritics (Latin-1 Supplement to Latin Extended-B, Latin Extended Additional).
_DIACRITIC_LETTER = re.compile(r"[\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF]")


def has_diacritics(text: str) -> bool:
    """True if text has a letter with diacritics (or đ); NFC text expected."""
    return _DIACRITIC_LETTER.search(text) is not None


def is_name_syllable(word: str) -> bool:
    """Known name syllable, compared with diacritics when the word has them ("trị" is not "Trí")."""
    lower = word.lower()
    if lower == strip_accents(lower):
        return lower in folded_name_syllables()
    return lower in lower_name_syllables() or lower.replace("oà", "òa").replace("uý", "úy").replace("uỷ", "ủy") in lower_name_syllables()


def case_variants(words: tuple[str, ...] | list[str]) -> list[str]:
    """Each word as written, upper case, lower case, and the same three without diacritics."""
    out: set[str] = set()
    for word in words:
        for form in (word, strip_accents(word)):
            out.update({form, form.upper(), form.lower(), form[:1].upper() + form[1:].lower()})
    return sorted(out, key=lambda w: (-len(w), w))


def capitalised_variants(names) -> list[str]:
    """Title Case and ALL CAPS forms, with and without diacritics (short unaccented forms such as
    "Lao" or "Y" are ordinary words, so they are left out)."""
    forms = []
    for variant in case_variants(list(names)):
        if not variant[:1].isupper():
            continue
        if len(variant) <= 3 and variant == strip_accents(variant) and variant not in names:
            continue
        forms.append(variant)
    return forms


def alternation(words) -> str:
    """A regex matching any of the literal words, preferring the longest.

    Built as a character trie ("Ng(?:uyễn|ô)" rather than "Nguyễn|Ngô"): regex engines scan a
    factored pattern much faster than hundreds of flat alternatives.
    """
    trie: dict = {}
    for word in set(words):
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict) -> str:
    branches = []
    ends_here = "" in node
    for ch in sorted(k for k in node if k):
        branches.append(re.escape(ch) + _trie_regex(node[ch]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        # Longest first: try the continuation, fall back to ending here.
        return "(?:" + body + ")?"
    return body
