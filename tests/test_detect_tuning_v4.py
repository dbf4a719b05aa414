"""Forms added after reading the misses of hand-written set v4 (issue 9, fourth tuning round), written as general
rules for kinds of form: phone numbers with a spaced dot, dash or middle dot between digit groups (also one digit
at a time), landlines with a split area code, "+84" with the trunk zero kept, 11 digits in the 4-3-4 layout,
internal extensions on their own, numbers read out in words; staff codes under more labels (MSNV, mã ĐTV/GĐV/CB)
and in more layouts, the code after a staff role and name, two-digit pharmacist certificates; BHXH numbers in
digit groups after their label; weekdays (with or without the date), years after "năm", hour ranges, an hour
before its date; record codes after "BN", lists of codes of one layout, prescription and claim numbers.
Negatives: doses, lab values, lot numbers, hotlines 1900/1800/115, counts, ICD codes, room and bed numbers,
prices, ordinals ("lần thứ hai", "ngày thứ 5 của bệnh").

Every string here was written for this test; none is taken from v4 or any other scored set.
A positive case names the exact spans expected; a negative case must give no entity of that type.
"""

from detect_cases import case_tests

POSITIVE = {
    "PERSON": [
        ("Người chết: Rahul Sharma, 54 tuổi.", ["Rahul Sharma"]),
        ("Chứng kiến: Mẫn Thị Hoà, hàng xóm.", ["Mẫn Thị Hoà"]),
        ("bs truc dem: mac thi thu, goi sdt 0912 448 370.", ["mac thi thu"]),
        ("dsdh phan van quang ban thuoc ca sang.", ["phan van quang"]),
        ("BS trực đêm: Đỗ Văn Lực ký y lệnh.", ["Đỗ Văn Lực"]),
    ],
    "LOCATION": [
        ("Dịch sởi lan rộng ở tỉnh Hà Giang.", ["tỉnh Hà Giang"]),
    ],
    "PHONE_NUMBER": [
        ("Chị gái nhắn số 0 9 4 1 . 2 6 7 . 8 0 3 để liên lạc.", ["0 9 4 1 . 2 6 7 . 8 0 3"]),
        ("Liên lạc 0 8 6 5 - 4 4 0 - 2 9 1 sau 17h.", ["0 8 6 5 - 4 4 0 - 2 9 1"]),
        ("Số của con trai: 0 7 0 3 - 1 8 - 5 5 - 6 2.", ["0 7 0 3 - 1 8 - 5 5 - 6 2"]),
        ("Người giám hộ: 0912 · 448 · 370.", ["0912 · 448 · 370"]),
        ("Nhà riêng 0 2 3 6 . 3 7 1 . 5 0 4 8.", ["0 2 3 6 . 3 7 1 . 5 0 4 8"]),
        ("Gọi về nhà 0 274 3 651 902 nếu không liên lạc được.", ["0 274 3 651 902"]),
        ("Zalo +84.0386.512.947 của chị Thơ.", ["+84.0386.512.947"]),
        ("Số cũ của ông là 0168 352 9041.", ["0168 352 9041"]),
        ("Gọi phòng mổ qua ĐT nội bộ 3127 khi xong ca.", ["3127"]),
        ("Khoa Dược nghe máy lẻ 56, hỏi chị Vân.", ["56"]),
        ("Bà đọc: không ba tám sáu, bốn một hai, năm năm chín.", ["không ba tám sáu, bốn một hai, năm năm chín"]),
    ],
    "VN_STAFF_ID": [
        ("Người nhận bàn giao: MSNV K4-0563.", ["K4-0563"]),
        ("Hộ lý ký nhận, mã NV HL-0447.", ["HL-0447"]),
        ("Kế toán dược mã nhân viên TC-KD-0218 đối chiếu phiếu.", ["TC-KD-0218"]),
        ("Cuộc gọi do mã ĐTV CC-115-044 tiếp nhận.", ["CC-115-044"]),
        ("Hồ sơ do mã GĐV GD-48-0097 thẩm định.", ["GD-48-0097"]),
        ("ĐTV Phùng Thị Liễu mã TD-0713 chuyển máy cho tổ trưởng.", ["TD-0713"]),
        ("Đã báo giám sát Đinh Quốc Bảo (mã CS-0025) xử lý.", ["CS-0025"]),
        ("giám định viên phụ trách Mạc Văn Toản (GD-31-0440) ký biên bản.", ["GD-31-0440"]),
        ("Quầy thuốc: ds Trương Mỹ Hạnh, cchn 07/CCHN-D-SYT-NĐ.", ["07/CCHN-D-SYT-NĐ"]),
    ],
    "VN_BHXH": [
        ("Sổ BHXH số 0215 7730 48 đã chốt.", ["0215 7730 48"]),
        ("Tra cứu mã BHXH 4810 2266 93 trên cổng dịch vụ công.", ["4810 2266 93"]),
    ],
    "DATE_TIME": [
        ("Hẹn mổ thứ Năm, 16/4 tại phòng mổ số 2.", ["thứ Năm, 16/4"]),
        ("Lịch tiêm chủng Chủ nhật 21/6 dời sang thứ Ba 23/6.", ["Chủ nhật 21/6", "thứ Ba 23/6"]),
        ("Buổi hội chẩn sáng thứ Tư (8/7) có khoa Nhi.", ["thứ Tư (8/7)"]),
        ("Cháu được đưa đến chiều thứ Bảy, đã hạ sốt.", ["thứ Bảy"]),
        ("Ngày 9/4 (thứ Năm) có kết quả cấy máu.", ["9/4", "thứ Năm"]),
        ("Tái khám thứ 3 tuần sau.", ["thứ 3"]),
        ("Trực ca tối thu 6 ở khoa Cấp cứu.", ["thu 6"]),
        ("Từng mổ ruột thừa năm 2009 tại tỉnh.", ["năm 2009"]),
        ("Khám ngoài giờ 17h-20h các ngày trong tuần.", ["17h-20h"]),
        ("Uống thuốc theo giờ (7h - 12h - 18h).", ["7h - 12h - 18h"]),
        ("Bệnh nhân vào viện 23h 14/5, thở nhanh.", ["23h", "14/5"]),
    ],
    "VN_PATIENT_ID": [
        ("Mã BA BA26-30112 và BA26-30478 của cùng một người.", ["BA26-30112", "BA26-30478"]),
        ("BN K2611034, K2611087 cần chụp lại phim.", ["K2611034", "K2611087"]),
        ("Kết quả của BN26-4410 gửi về khoa.", ["BN26-4410"]),
        ("Các hồ sơ HS-GD-0213, HS-GD-0220 chờ duyệt.", ["HS-GD-0213", "HS-GD-0220"]),
        ("GRV số 2207/2026 cấp cho người bệnh.", ["2207/2026"]),
        ("Số đơn H-26-01145 cấp cho bà cụ.", ["H-26-01145"]),
        ("Đơn thuốc N số H26.00471 do BS ký.", ["H26.00471"]),
        ("Bộ Y tế ghi nhận các bệnh nhân từ 7.302 đến 7.315.", ["7.302", "7.315"]),
    ],
}

NEGATIVE = {
    "PERSON": [
        "Bác sĩ trực tiếp khám cho bệnh nhân.",
        "Người lập biên bản ký xác nhận.",
    ],
    "LOCATION": [
        "Chuyển Bệnh viện Đa khoa tỉnh Hà Giang điều trị tiếp.",
        "Công văn của BHXH tỉnh Bắc Kạn gửi các cơ sở.",
        "Bệnh viện Đa khoa Trung ương Cần Thơ nhận bệnh nhân.",
    ],
    "PHONE_NUMBER": [
        "Tổng đài 1900 9095 và 1800 6613 hoạt động 24/7; gọi 115 khi cấp cứu.",
        "Giá dịch vụ 1.250.000 đồng, hóa đơn số 0045871.",
        "Xét nghiệm: WBC 12.4, PLT 215, Glucose 6.8 mmol/L.",
        "Lô thuốc số 2304 1156 hết hạn 12/2027.",
        "Mã ICD J18.9, I10; phòng 402 giường 17.",
        "Bà kể có hai ba người con, năm sáu đứa cháu.",
        "Truyền NaCl 0.9% 500 ml, tốc độ 40 giọt/phút.",
    ],
    "VN_STAFF_ID": [
        "Phòng 12 giường 05, mã thuốc 40.152.",
        "Bác sĩ Lý Văn Chính (BN 2231 do ông khám) đã về.",
        "Mã NV 12 chưa được cấp.",
        "Điều dưỡng Hoàng Lan (J18.9) theo dõi.",
    ],
    "VN_BHXH": [
        "Thanh toán 1250 0000 00 đồng cho BHXH huyện.",
        "Mã BHXH 2201 44 chưa đủ số.",
    ],
    "DATE_TIME": [
        "Bệnh nhân sốt vào ngày thứ 5 của bệnh.",
        "Đây là lần thứ hai bà nhập viện.",
        "Phòng khám làm việc từ thứ Hai đến thứ Bảy.",
        "Con thứ ba của gia đình, nặng 3200 g.",
        "Uống 2 viên x 3 lần, mỗi lần cách 6h.",
        "Phòng 205, giường 11, tầng 3.",
    ],
    "VN_PATIENT_ID": [
        "Lô sản xuất 230415, hạn dùng 2027, giá 45.000 đồng.",
        "Mã ICD: K35.8, K80.2 và E11.9.",
        "Thuốc Amlodipin 5mg, Metformin 850mg, 2 viên/ngày.",
        "Đã xuất hóa đơn số 0078812 cho người nhà, tổng 3.400.000 đồng.",
        "Mã số sổ bảo hiểm xã hội của bà: 7901234567.",
    ],
}


test_finds, test_ignores = case_tests(POSITIVE, NEGATIVE)
