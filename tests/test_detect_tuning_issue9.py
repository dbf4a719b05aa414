"""Forms added in the issue-9 tuning round: phone numbers written digit by digit or with "+84 (0)",
extensions as spans of their own, record and paper codes after a document label, foreign,
unaccented and highland names, bare given names in the shapes that mark a person. Every string
here was written for this test (none is taken from a scored set).

A positive case names the exact spans expected; a negative case must give no entity of that type.
"""

from detect_cases import case_tests


POSITIVE = {
    "PERSON": [
        # Foreign names: after a role word, before an age, or starting a sentence before a human verb.
        ("Du khách Olga Smirnova bị ngã.", ["Olga Smirnova"]),
        ("Chú rể Park Min-ho đến từ Seoul.", ["Park Min-ho"]),
        ("Takeshi Yamamoto (61 tuổi) nhập viện.", ["Takeshi Yamamoto"]),
        ("Liu Yang, 44 tuổi, người Trung Quốc.", ["Liu Yang"]),
        ("Somchai Phommavong đi làm ở Vientiane.", ["Somchai Phommavong"]),
        # Jrai / Bahnar names with the clan first, Ê Đê names with an unlisted clan.
        ("Ksor Nhung, 35 tuổi, ở xã Ia Pết.", ["Ksor Nhung"]),
        ("Rơ Lan Hlim và Siu Kiều cùng đi rẫy.", ["Rơ Lan Hlim", "Siu Kiều"]),
        ("Bệnh nhân nữ Siu H'Ba nhập viện.", ["Siu H'Ba"]),
        ("KSOR H'NGỌC, 20 tuổi.", ["KSOR H'NGỌC"]),
        ("Rmah Pháp (SN 1979) bị ngã.", ["Rmah Pháp"]),
        ("Chị H'Lim Ktul sinh con tại nhà.", ["H'Lim Ktul"]),
        ("Người nhà tên Y Kriêng ở buôn.", ["Y Kriêng"]),
        # Names typed without diacritics in a note that has them.
        ("Nạn nhân là tran thi mai anh, 30 tuổi.", ["tran thi mai anh"]),
        ("Bà nguyen thi hong, 70 tuoi.", ["nguyen thi hong"]),
        ("BN nữ pham thi lan, 25 tuoi.", ["pham thi lan"]),
        ("Bệnh nhân là tran van toan không có giấy tờ.", ["tran van toan"]),
        ("Họ tên bệnh nhân: ho thi lieu, tuoi: 50.", ["ho thi lieu"]),
        # Bare given names marked as a person by what surrounds them.
        ("Hoa là em gái của bệnh nhân.", ["Hoa"]),
        ("Thắm (25 tuổi) là công nhân.", ["Thắm"]),
        ("Bệnh nhân (Tâm) được đưa vào viện.", ["Tâm"]),
        ("Người nhà (Hạnh - con gái) ký giấy.", ["Hạnh"]),
        ("Theo Mai, chị gái bệnh nhân, cháu ăn kém.", ["Mai"]),
        ("Hoà và Lợi là hai anh em.", ["Hoà", "Lợi"]),
        ("Nguyễn Thị Liên và Thanh là chị em.", ["Nguyễn Thị Liên", "Thanh"]),
        ("Bệnh nhân Lựu (58 tuổi) tử vong.", ["Lựu"]),
        ("Y tá Quyên đo huyết áp lúc 6h.", ["Quyên"]),
        ("Các F1 gồm P, Q và R đều âm tính.", ["P", "Q", "R"]),
    ],
    "PHONE_NUMBER": [
        ("Số của mẹ cháu: 0 3 8 5 4 4 1 2 0 9.", ["0 3 8 5 4 4 1 2 0 9"]),
        ("Gọi +84 (0) 386 221 447 nếu cần.", ["+84 (0) 386 221 447"]),
        ("Tổng đài +84 (0)24 3826 4412.", ["+84 (0)24 3826 4412"]),
        ("Liên hệ (028) 3855 4137 - số nội bộ 342 gặp điều dưỡng trưởng.", ["(028) 3855 4137", "342"]),
        ("Máy bàn khoa 0251 3822 164, ext 7.", ["0251 3822 164", "7"]),
        ("SĐT 09 12 34 56 78.", ["09 12 34 56 78"]),
        ("SĐT (+84) 912 345 678.", ["(+84) 912 345 678"]),
        ("SĐT 0084 912 345 678.", ["0084 912 345 678"]),
        ("Máy bàn 0084 24 3826 4412.", ["0084 24 3826 4412"]),
    ],
    "VN_PATIENT_ID": [
        ("Chuyển tuyến kèm hồ sơ số HS24-117820.", ["HS24-117820"]),
        ("Phiếu hẹn tái khám số 77/HTK-NT, mang theo khi đến.", ["77/HTK-NT"]),
        ("Bệnh nhân đang điều trị lao, mã điều trị LAO24-0931.", ["LAO24-0931"]),
        ("Bệnh nhân mã HBV-1172 được tư vấn.", ["HBV-1172"]),
        ("Đơn thuốc số ĐT-24-00172 đã được cấp.", ["ĐT-24-00172"]),
        ("Số phiếu xét nghiệm: XN-24-55512.", ["XN-24-55512"]),
        ("Giấy ra viện số 2024/0883 cấp cho người bệnh.", ["2024/0883"]),
        ("Đơn thuốc BHYT số 0204240031177 đã in.", ["0204240031177"]),
    ],
}

NEGATIVE = {
    "PERSON": [
        "New York đã ghi nhận nhiều ca.",
        "Nam, 30 tuổi, ở Hà Nội.",
        "Bệnh nhân nam, 30 tuổi.",
        "Bệnh nhân hồng hào, niêm mạc hồng.",
        "Khám ca bệnh bạch hầu.",
        "Nhóm máu gồm A, B, O.",
        "Bổ sung vitamin gồm A, D, E.",
        "tuoi: 50, dia chi: Dong Hoa, Thai Binh.",
        "Tối đó, Hai bệnh nhân đi ăn.",
        "Nay Bệnh viện thông báo.",
        "Bà con trong xóm đi làm.",
        "Ông là người Hoa, 60 tuổi.",
        "Bà là mẹ của bệnh nhân.",
        "Hai du khách Pháp dương tính hôm qua.",
        "Nữ du khách Nhật Bản ở khách sạn.",
        "Chị là tiếp viên của hãng Bamboo Airways, 28 tuổi.",
        "Sau chuyến đi châu Âu, cô về nước.",
        "Chị thuộc dân tộc Tày (32 tuổi).",
    ],
    "VN_PATIENT_ID": [
        "Thuốc lô số AB-20231 hạn dùng 2026.",
        "Giấy phép số 12345/SYT-GP.",
        "Giấy xét nghiệm: COVID-19 âm tính.",
        "Mã số thuế 0101234567.",
        "Phòng khám có mã cơ sở 01-004.",
        "Bệnh nhân có ghé quầy thuốc Minh Châu số 15 ở chợ.",
        "Bệnh nhân lên xe khách số 29 về quê.",
        "Điện thoại bệnh nhân: 0 3 8 5 4 4 1 2 0 9.",
        "Giấy hẹn có ghi số điện thoại 0912 345 678.",
    ],
    "PHONE_NUMBER": [
        "Tổng đài 1900 9095 hỗ trợ miễn phí.",
        "Mã số BHXH 0123456789.",
        "Kết quả 0 1 2 3 lần.",
        "Gọi 115 cấp cứu.",
    ],
}


test_finds, test_ignores = case_tests(POSITIVE, NEGATIVE)
