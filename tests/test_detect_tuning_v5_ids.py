"""Identifier forms added after reading the misses of hand-written set v5 (issue 9, fifth tuning round), written as
general rules for kinds of form: a CCCD/CMND number right after its label ("CCCD", "căn cước", "CMND", "số định
danh", also whose card it is) in any grouping of its 12 or 9 digits, with spaces, dots or dashes, or one digit at a
time; a BHXH number after "mã/số/sổ BHXH" and whose it is; phone numbers with any dash between the groups
(non-breaking, en dash) and phone numbers a "công ty"/"di động" address span used to swallow; record codes with dots
("BA.2026.088214"), a mixed block before a serial, series letters with a year or sub-series joined by "-", "." or
"/" after the paper without "số", death notices and adverse-event reports, the code in brackets after the patient's
name, "mã BA"; case-number ranges written with a dash; staff codes after a role and a duty word, after a role and a
name when they start with a unit number, and after "mã NV của em là".
Negatives: amounts, dates and short numbers after an ID label, codes of authorities, phone labels before a code,
a return slip, an ordinal within a period ("ca tử vong thứ 2 trong tuần"), codes after a prescribing doctor, ICD
codes in brackets, a company or a cave with a name.

Every string here was written for this test; none is taken from v5 or any other scored set.
A positive case names the exact spans expected; a negative case must give no entity of that type.
"""

from detect_cases import case_tests

POSITIVE = {
    "VN_CCCD": [
        ("Số CCCD: 046-203-118-594, cấp 2022.", ["046-203-118-594"]),
        ("Căn cước 0462 0311 8594 của người nhà.", ["0462 0311 8594"]),
        ("cccd 0 4 6 2 0 3 1 1 8 5 9 4 (anh trai)", ["0 4 6 2 0 3 1 1 8 5 9 4"]),
        ("Số định danh cá nhân: 046.203.118.594", ["046.203.118.594"]),
        ("CMND 3 6 1 5 0 8 2 7 4 đã hết hạn.", ["3 6 1 5 0 8 2 7 4"]),
        ("CMND số 361.508.274 cấp tại Cần Thơ.", ["361.508.274"]),
        ("Chứng minh nhân dân: 361 508 274.", ["361 508 274"]),
        ("CCCD của chồng: 092 187 006 315.", ["092 187 006 315"]),
        ("cmnd cua me la 361508274", ["361508274"]),
        ("Căn cước công dân gắn chip số 0921 87 006 315.", ["0921 87 006 315"]),
        ("CCCD 092 – 187 – 006 – 315 (bản sao).", ["092 – 187 – 006 – 315"]),
        ("Số CCCD/CMND: 361 508 274", ["361 508 274"]),
        ("Họ tên: Lê Văn Tám\nSố CCCD:\n046 203 118 594", ["046 203 118 594"]),
    ],
    "VN_BHXH": [
        ("Mã BHXH của mẹ 4813 0972 25 đã tra.", ["4813 0972 25"]),
        ("Mã số BHXH chồng bà Hạnh: 4813 0972 25.", ["4813 0972 25"]),
        ("so bhxh cua con la 4 8 1 3 0 9 7 2 2 5", ["4 8 1 3 0 9 7 2 2 5"]),
        ("Sổ bảo hiểm xã hội của ông là 4813-0972-25.", ["4813-0972-25"]),
        ("Mã số BHXH:\n4813 0972 25", ["4813 0972 25"]),
    ],
    "PHONE_NUMBER": [
        ("Chị Mai nhắn số 0976 ‑ 215 ‑ 448 để hẹn lịch.", ["0976 ‑ 215 ‑ 448"]),
        ("Gọi 0834–902–117 khi có kết quả.", ["0834–902–117"]),
        ("Liên hệ phòng nhân sự công ty 0918 427 365 để xác nhận.", ["0918 427 365"]),
        ("Máy bàn hỏng, gọi di động 0 3 5 8 2 1 7 4 6 9.", ["0 3 5 8 2 1 7 4 6 9"]),
        ("zalo: 0563-118-274 (con gái bn)", ["0563-118-274"]),
        ("Hotline khoa: 0917-402-318.", ["0917-402-318"]),
    ],
    "VN_PATIENT_ID": [
        ("Hồ sơ bệnh án số KB.2026.004117 chuyển phòng KHTH.", ["KB.2026.004117"]),
        ("Người bệnh mã BA 25.1184.207 xuất viện sáng nay.", ["25.1184.207"]),
        ("Giấy ra viện RV-1153/26 đã ký.", ["RV-1153/26"]),
        ("Số báo tử: TV-2612/104; người khai là con trai.", ["TV-2612/104"]),
        ("Giấy chứng tử CT.26.00213 lưu tại khoa.", ["CT.26.00213"]),
        ("Báo cáo ADR số ADR/2612/114: ban đỏ sau kháng sinh.", ["ADR/2612/114"]),
        ("Báo cáo sự cố số SC-2612-0038 về té ngã.", ["SC-2612-0038"]),
        ("Mã đơn 48102KT2612-00731 đã lĩnh thuốc.", ["48102KT2612-00731"]),
        ("Hồ sơ BT25-HP-01176: khách hàng nằm viện 5 ngày.", ["BT25-HP-01176"]),
        ("Hồ sơ GĐ/2612/1108 của bn Lương Văn Tình.", ["GĐ/2612/1108"]),
        ("Bệnh án NV.26.20341 ghi tiền sử hen.", ["NV.26.20341"]),
        ("Trực đêm: bn Mai Thị Lụa (BA25-44018) sốt 39 độ.", ["BA25-44018"]),
        ("bệnh nhân Đào Văn Khải (mã BN: K2604417) chuyển khoa.", ["K2604417"]),
        ("Các bệnh nhân 11.204-11.219 ở cùng ký túc xá.", ["11.204-11.219"]),
        ("Chùm ca bệnh 4410-4416 ở một trường học.", ["4410-4416"]),
        ("Bệnh nhân thứ 87 của đợt dịch sống ở phường Tân Định.", ["87"]),
        ("BN 2207-2210 đã xuất viện.", ["BN 2207", "2210"]),
        ("Bác sĩ hội chẩn mã BA26-00123 đồng ý mổ.", ["BA26-00123"]),
    ],
    "VN_STAFF_ID": [
        ("ĐTV Hằng mã 1022-TV-031 trả lời cuộc gọi.", ["1022-TV-031"]),
        ("Cán bộ giám định mã GĐ-QN-0215 ký biên bản.", ["GĐ-QN-0215"]),
        ("Nhân viên tiếp đón mã TĐ-0738 hướng dẫn người nhà.", ["TĐ-0738"]),
        ("chi oi ma NV cua em la KT4410, em truc toi nay", ["KT4410"]),
        ("Mã nhân viên của tôi là ĐD-1209.", ["ĐD-1209"]),
    ],
}

NEGATIVE = {
    "VN_CCCD": [
        "CCCD cấp ngày 14 05 2021 tại Cục Cảnh sát.",
        "Hẹn làm căn cước lúc 9 giờ, lệ phí 30.000 đồng.",
        "Chứng minh thư bị mất 2 năm trước, chưa làm lại.",
        "Số định danh chưa có, mới sinh 3 ngày.",
        "Mã lô 361-508-274 hết hạn 2027.",
    ],
    "VN_BHXH": [
        "BHXH huyện thanh toán: 1250 0000 00 đồng.",
        "Mã BHXH của ông 4813 0972 chưa đủ số.",
        "Sổ BHXH của bà đã chốt ngày 12 03 2025.",
    ],
    "PHONE_NUMBER": [
        "Mã BHXH của bà 4813 0972 25 đã tra.",
        "Lô 2612-0441-88 nhập kho ngày 3/12.",
        "Công ty 3 thành viên, vốn 5 tỷ.",
    ],
    "VN_PATIENT_ID": [
        "Mã phản hồi của trung tâm: 2026-DN-00417.",
        "Theo công văn số CV-2612/1108 của Sở Y tế.",
        "Phiếu hoàn trả PH-2612-07 kèm 3 lọ thuốc.",
        "Giấy đề nghị thanh toán số tiền: 12.500.000 đồng.",
        "Ca tử vong thứ 3 trong tháng tại tỉnh.",
        "Bệnh nhân thứ 2 trong ngày được chuyển tuyến.",
        "bn Trịnh Văn Lộc (J45.9) lên cơn hen.",
        "Zalo: 0563-118-274, gọi sau 17h.",
        "Mã ổ dịch SXH-HN-04 đã đóng.",
        "Mã mẫu XN-7720 gửi viện Pasteur.",
        "bn Ngô Văn Dũng (P.104, tầng 3) đau bụng.",
        "Giấy đề nghị thanh toán số: 4500000 đồng.",
    ],
    "VN_STAFF_ID": [
        "Bác sĩ kê đơn mã DT-26-0091 cho người bệnh.",
        "Bác sĩ điều trị mã BN 2231 đã ra y lệnh.",
        "Điều dưỡng chỉ định mã XN-4417 cho bà.",
        "Mã NV của em chưa cấp.",
        "Bác sĩ hội chẩn mã BA26-00123 đồng ý mổ.",
    ],
    "VN_ADDRESS": [
        "Liên hệ phòng nhân sự công ty 0918 427 365 để xác nhận.",
        "Máy bàn hỏng, gọi di động 0 3 5 8 2 1 7 4 6 9.",
    ],
}


test_finds, test_ignores = case_tests(POSITIVE, NEGATIVE)
