"""Positive and negative cases per recognizer, through the full analyzer (context enhancer included)."""
import pytest

from detect_cases import found

from pipelines.detect import analyze_text


CASES = {
    "PERSON": (
        [
            ("Bệnh nhân Nguyễn Văn Hùng vào viện.", "Nguyễn Văn Hùng"),
            ("BS. Trần Thị Hoa khám bệnh.", "Trần Thị Hoa"),
            ("ThS. Lê Quang Minh ký.", "Lê Quang Minh"),
            ("ĐD. Phạm Thị Lan thực hiện.", "Phạm Thị Lan"),
            ("mẹ là Đỗ Thị Hương", "Đỗ Thị Hương"),
            ("người nhà: Vũ Văn Nam", "Vũ Văn Nam"),
            ("cháu Minh bị sốt", "Minh"),
            ("bé Ngọc Anh bú kém", "Ngọc Anh"),
            ("Ông Bùi Văn Tư đến khám", "Bùi Văn Tư"),
            ("NGUYỄN THỊ HỒNG NHUNG, 45 TUỔI", "NGUYỄN THỊ HỒNG NHUNG"),
            ("benh nhan nguyen van an vao vien", "nguyen van an"),
            ("Ho ten: Tran Thi Thu", "Tran Thi Thu"),
            ("Bệnh nhân N.V.A nhập viện", "N.V.A"),
            ("Trường hợp H.T.P. là nhân viên", "H.T.P."),
            ("bà T. 80 tuổi", "T."),
            ("Con trai Lương Gia Tiến xin cho BN về", "Lương Gia Tiến"),
            ("Giấy ra viện giao cho con trai là GIÀNG MÍ VÀNG", "GIÀNG MÍ VÀNG"),
            ("Con trai là N.T, số điện thoại", "N.T"),
            ("Trưởng khoa: Tạ Thị Ngọc Lan.", "Tạ Thị Ngọc Lan"),
            ("Báo BSCK1 Nguyễn Bích Trang", "Nguyễn Bích Trang"),
            ("Bà Nga than đau đầu", "Nga"),
            ("Ông Ksơr còn nôn", "Ksơr"),
            ("Cháu Y Thuyên Mlô, liên hệ", "Y Thuyên Mlô"),
            ("Người nhà H'Mai Byă - vợ", "H'Mai Byă"),
            ("Dieu duong Nguyen Thi Giang theo doi", "Nguyen Thi Giang"),
            ("BN H.Ê. 64 tuổi", "H.Ê."),
        ],
        [
            "Nhà thuốc trên đường Nguyễn Trãi.",
            "Chuyển Bệnh viện Trần Hưng Đạo.",
            "Trú tại Phường Lê Lợi.",
            "Quận Ngô Quyền ghi nhận ca bệnh.",
            "Tiền sử cao huyết áp, bạch cầu tăng.",
            "Bệnh nhân về từ Hà Nội.",
            "chi phí điều trị do BHYT chi trả.",
            "Khám chuyên khoa lao.",
            "Bệnh Parkinson và Basedow.",
            "Trường THPT Lê Quý Đôn.",
            "Thành phố Hồ Chí Minh.",
            "Chuyển từ Bệnh viện Lê Văn Thịnh với chẩn đoán viêm phổi.",
            "Ngày giường Hồi sức cấp cứu - Hạng I",
            "N6 sau mo: The trang trung binh",
            "TD benh dai thao duong khong phu thuoc insuline, co bien chung than",
            "Anh trai BN la anh ruot, lien he sau",
            "dia chi Ap 9, Xa Truong Long",
            "Bà Rịa đón bệnh nhân",
        ],
    ),
    "VN_CCCD": (
        [
            ("Số CCCD: 001090012345", "001090012345"),
            ("căn cước 079 190 123 456", "079 190 123 456"),
            ("CMND số 123456789", "123456789"),
            ("Hộ chiếu số B1234567", "B1234567"),
        ],
        ["Mã lô 123456789 hết hạn", "Mã hàng B1234567", "Số 999123456789 không hợp lệ", "Tổng 1.234.567.890 đồng"],
    ),
    "VN_BHYT": (
        [
            ("Thẻ BHYT DN4010123456789", "DN4010123456789"),
            ("mã thẻ HC4-01-1234567890", "HC4-01-1234567890"),
            ("BHYT GD 4 79 7912345678", "GD 4 79 7912345678"),
        ],
        ["Mã ZZ9990123456789 trong kho", "Thanh toán BHYT 80%"],
    ),
    "VN_BHXH": (
        [("Mã số BHXH: 0123456789", "0123456789"), ("sổ BHXH số 3412345678", "3412345678")],
        ["Mã vạch 3412345678 trên hộp", "SĐT 0912345678"],
    ),
    "VN_STAFF_ID": (
        [
            ("CCHN 012345/BYT-CCHN", "012345/BYT-CCHN"),
            ("Chứng chỉ hành nghề số 004567/HNO-CCHN", "004567/HNO-CCHN"),
            ("Mã nhân viên: NV01234", "NV01234"),
        ],
        ["Quyết định 1234/QĐ-BYT", "Công văn số 45/BYT-KCB"],
    ),
    "PHONE_NUMBER": (
        [
            ("SĐT 0912 345 678", "0912 345 678"),
            ("gọi +84 905 123 456", "+84 905 123 456"),
            ("số 0983.456.789", "0983.456.789"),
            ("ĐT bàn (024) 3869 3731", "(024) 3869 3731"),
            ("Zalo 0356789012", "0356789012"),
        ],
        ["HA 120/80 mmHg", "Mã số BHXH 0912345678", "Tổng 1.250.000 đồng", "Số 0112345678"],
    ),
    "EMAIL_ADDRESS": (
        [("email: hung.nguyen75@gmail.com", "hung.nguyen75@gmail.com"), ("mail bvdk.tinh@syt.gov.vn", "bvdk.tinh@syt.gov.vn")],
        ["tài khoản @admin", "file a@b"],
    ),
    "VN_ADDRESS": (
        [
            ("trú tại số 12 đường Nguyễn Trãi, phường Thanh Xuân Trung", "số 12 đường Nguyễn Trãi, phường Thanh Xuân Trung"),
            ("thôn 3, xã Yên Sở, huyện Hoài Đức", "thôn 3, xã Yên Sở, huyện Hoài Đức"),
            ("ấp Bình Hòa, xã Bình Chánh", "ấp Bình Hòa, xã Bình Chánh"),
            ("tổ 7, phường Hoàng Văn Thụ", "tổ 7, phường Hoàng Văn Thụ"),
            ("ở xa Tan Phu, huyen Cu Chi", "xa Tan Phu, huyen Cu Chi"),
            ("Địa chỉ: 123/4 Lê Văn Sỹ, phường 13", "123/4 Lê Văn Sỹ, phường 13"),
            ("khu phố 3, phường Tân Định, quận 1", "khu phố 3, phường Tân Định, quận 1"),
            ("o phuong Minh Khai, quan Bac Tu Liem, Ha Noi", "phuong Minh Khai, quan Bac Tu Liem"),
            ("dia chi Ap 9, Xa Truong Long", "Ap 9, Xa Truong Long"),
        ],
        [
            "Đường huyết 7 mmol/l.",
            "Bảo hiểm xã hội chi trả.",
            "Bản thân bệnh nhân khỏe.",
            "Tổ chức hội chẩn.",
            "giường số 12",
            "Mạch 80 lần/phút.",
            "Thành phố Hà Nội",
            "TD benh dai thao duong khong phu thuoc insuline",
            "Con trai H.T.M, liên hệ",
            "co lien quan Toi Benh",
        ],
    ),
    "LOCATION": (
        [
            ("quê Thanh Hóa", "Thanh Hóa"), ("tỉnh Nghệ An", "tỉnh Nghệ An"), ("về từ Trung Quốc", "Trung Quốc"),
            ("TP.HCM", "TP.HCM"), ("mới từ Liên bang Nga về", "Liên bang Nga"), ("que thai binh", "thai binh"),
            ("phường Trung Hòa, quận Cầu Giấy, hà nội", "hà nội"),
        ],
        ["bệnh lao phổi", "Bệnh viện Việt Đức", "hà nội lowercase without prefix", "Bà Nga than mệt",
         "bệnh nhân ổn định, hòa bình trở lại"],
    ),
    "DATE_TIME": (
        [
            ("ngày 12/3/2024", "12/3/2024"),
            ("ngày 12-3 sốt", "12-3"),
            ("ngày 5 tháng 6 năm 2023", "5 tháng 6 năm 2023"),
            ("vào viện 202403150830", "202403150830"),
            ("lúc 14h30", "14h30"),
            ("lúc 21 giờ 30", "21 giờ 30"),
            ("ối vỡ lúc 2h sáng", "2h"),
            ("đến 9 giờ tối thì sốt", "9 giờ"),
        ],
        ["HA 120/80 mmHg", "uống 2-3 viên", "1/2 viên", "theo dõi 24h", "48 giờ", "Uống trước ăn 1 giờ",
         "Theo dõi mạch, huyết áp 3 giờ/lần", "cách nhau ít nhất 4 giờ"],
    ),
    "AGE": (
        [
            ("47 tuổi", "47 tuổi"), ("3 tháng tuổi", "3 tháng tuổi"), ("sinh năm 1980", "1980"), ("60 tuoi", "60 tuoi"),
            ("NS: 1975", "1975"), ("BN Huỳnh Thị Thảo, 72t, vào viện", "72t"),
            ("BN Nguyễn Thị Ngân, 16 tháng, vào viện vì ho", "16 tháng"),
        ],
        ["tuổi thọ trung bình", "năm 1980 xảy ra", "ho khoảng 3 tháng nay", "tái khám sau 1 tháng, mang theo sổ",
         "Truyền 2 chai, 3 tháng nay"],
    ),
    "VN_PATIENT_ID": (
        [
            ("BN1234 ra viện", "BN1234"),
            ("bệnh nhân số 416", "416"),
            ("mã BN 123", "123"),  # "mã BN" is the label: the number only (hand-written v3 rules)
            ("số hồ sơ: HS2024-00789", "HS2024-00789"),
            ("MA_LK: 01929_2024_03_123456_1", "01929_2024_03_123456_1"),
        ],
        ["bệnh nhân tỉnh", "BN tỉnh táo", "mã bệnh ICD"],
    ),
}

POSITIVE = [(entity, text, expected) for entity, (positives, _) in CASES.items() for text, expected in positives]
NEGATIVE = [(entity, text) for entity, (_, negatives) in CASES.items() for text in negatives]


@pytest.mark.parametrize("entity_type,text,expected", POSITIVE)
def test_recognizer_finds(analyzer, entity_type, text, expected):
    assert expected in found(analyzer, text, entity_type)


@pytest.mark.parametrize("entity_type,text", NEGATIVE)
def test_recognizer_ignores(analyzer, entity_type, text):
    assert found(analyzer, text, entity_type) == []


def test_registry_has_only_our_recognizers(analyzer):
    from pipelines.detect import ENTITY_TYPES

    assert sorted(analyzer.get_supported_entities("vi")) == sorted(ENTITY_TYPES)
    assert all(type(r).__module__.startswith("pipelines.detect.recognizers") for r in analyzer.registry.recognizers)


def test_lemmas_are_lower_nfc(analyzer):
    artifacts = analyzer.nlp_engine.process_text("Bệnh Nhân SĐT", "vi")
    assert all(lemma == lemma.lower() for lemma in artifacts.lemmas)


def test_context_word_lifts_cmnd_score(analyzer):
    assert found(analyzer, "CMND 123456789", "VN_CCCD") == ["123456789"]
    assert found(analyzer, "Lô 123456789", "VN_CCCD") == []


def test_nfd_input_offsets_point_into_original_text(analyzer):
    import unicodedata

    text = unicodedata.normalize("NFD", "Bệnh nhân Nguyễn Văn Hùng, SĐT 0912345678")
    entities = analyze_text(analyzer, text)
    names = [text[e["start"]:e["end"]] for e in entities if e["entity_type"] == "PERSON"]
    assert [unicodedata.normalize("NFC", n) for n in names] == ["Nguyễn Văn Hùng"]


def test_the_packaged_spacy_pipeline_is_the_one_built_and_nothing_is_written_at_run_time(tmp_path):
    """The blank pipeline ships as package data (issue 12): the same as a fresh build, and loading the
    analyzer writes nothing under the user's home (a read-only image has none to write)."""
    import subprocess
    import sys

    from pipelines.detect.nlp import PACKAGED_MODEL, build_pipeline
    build_pipeline().to_disk(tmp_path / "fresh")
    for name in ("config.cfg", "meta.json", "tokenizer/cfg"):
        assert (PACKAGED_MODEL / name).read_text() == (tmp_path / "fresh" / name).read_text(), name
    home = tmp_path / "home"
    probe = subprocess.run([sys.executable, "-c", "from pipelines.detect import analyze_text, shared_analyzer; "
                            "print(analyze_text(shared_analyzer(), 'Ông Nguyễn Văn An gọi 0912345678'))"],
                           env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
                           capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert "PHONE_NUMBER" in probe.stdout and not home.exists()
