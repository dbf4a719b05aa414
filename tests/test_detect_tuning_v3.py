"""Forms added after reading the misses of hand-written set v3 (issue 9, third tuning round): case numbers with
a thousands dot after "BN", the number alone after the label "mã BN", record codes that need no "số", the national
e-prescription code, a series letter before a numbered paper; foreign numbers in "+" form, a phone label that
beats an ID label further back; vague and lunar dates, dash ranges of two day-months, afternoon hours as limits,
the hours of a monitoring log; staff codes with "Đ" and call-centre advisers; names with a middle initial,
initials before a given name, Irish-style names, call-centre roles. Negatives: pain scores, Apgar, INR targets,
doses, lab values, lot numbers, hotlines, counts, ICD codes, blood groups, species names.

Every string here was written for this test; none is taken from v3 or any other scored set.
A positive case names the exact spans expected; a negative case must give no entity of that type.
"""

from detect_cases import case_tests


POSITIVE = {
    "VN_PATIENT_ID": [
        # "BN" and a press case number with a thousands dot.
        ("Sáng nay BN 4.107 đã xuất viện.", ["BN 4.107"]),
        ("BN 12.036 và BN 12.037 là hai mẹ con.", ["BN 12.036", "BN 12.037"]),
        # After the label "mã BN" the number alone is the identifier.
        ("Chuyển khoa Nội, mã BN 26003315.", ["26003315"]),
        ("Mã BN 26110428 tái khám.", ["26110428"]),
        # A code with its series, year and serial after a paper word, without "số".
        ("Hồ sơ thanh toán TT-2026-00731 còn thiếu hóa đơn.", ["TT-2026-00731"]),
        ("Đơn thuốc DT-26-118240 đã được duyệt.", ["DT-26-118240"]),
        # A pathology or biopsy report number.
        ("Đã có kết quả sinh thiết số ST-26-0291.", ["ST-26-0291"]),
        ("Bản sao giải phẫu bệnh số GPB-26-3307 gửi kèm.", ["GPB-26-3307"]),
        # A series letter and a space before a numbered paper, with an aside in brackets.
        ("Giấy chứng sinh (bản sao) số CS 2041/2026 đã cấp.", ["CS 2041/2026"]),
        ("Giấy báo tử số BT 0088/2026 lưu tại khoa.", ["BT 0088/2026"]),
        # The national e-prescription code: facility code, serial, "-" and the kind of prescription.
        ("Mã đơn 01017QX7P2M9-n đã gửi lên hệ thống.", ["01017QX7P2M9-n"]),
        ("Liên thông đơn 48102AB3CD5-c thành công.", ["48102AB3CD5-c"]),
    ],
    "VN_STAFF_ID": [
        ("Người thực hiện: mã nhân viên ĐD-2290.", ["ĐD-2290"]),
        ("Cuộc gọi do tư vấn viên (mã TVV TV-114) tiếp nhận.", ["TV-114"]),
        ("Chuyển máy cho mã tư vấn viên TV-208.", ["TV-208"]),
    ],
    "PHONE_NUMBER": [
        ("Số của con gái ở Hàn: +82 10 3318 7742.", ["+82 10 3318 7742"]),
        ("Chồng chị làm ở Viêng Chăn, gọi +856 20 7781 2046.", ["+856 20 7781 2046"]),
        ("Gia đình ở Mỹ, điện thoại +1 415 555 0132.", ["+1 415 555 0132"]),
        # A phone label right before the number beats the ID label before it.
        ("Con trai ký nhận, CCCD 001086004217, SĐT 0912 40 71 36.", ["0912 40 71 36"]),
        ("Người nhà: CMND 031204118, điện thoại 0388 116 240.", ["0388 116 240"]),
    ],
    "DATE_TIME": [
        # Vague dates tied to a month keep their word.
        ("Cháu bắt đầu sốt từ đầu tháng 2.", ["đầu tháng 2"]),
        ("Giữa tháng 11 gia đình đi du lịch Sa Pa.", ["Giữa tháng 11"]),
        ("Dự kiến mổ vào cuối tháng 6.", ["cuối tháng 6"]),
        # Lunar dates.
        ("Ông ngã xe hôm mùng 3 Tết.", ["mùng 3 Tết"]),
        ("Bà lên chùa ngày mồng 10 tháng Giêng.", ["mồng 10 tháng Giêng"]),
        ("Từ 25 tháng Chạp cả nhà về quê.", ["25 tháng Chạp"]),
        ("Đám giỗ vào mùng 8 tháng 3 âm lịch.", ["mùng 8 tháng 3 âm lịch"]),
        # "mùng" before a solar day-month: the day-month is the date.
        ("Bà về quê hôm mùng 6/2 dương lịch.", ["6/2"]),
        # Two day-months joined by a dash are one span.
        ("Khoa nghỉ lễ 29/8-2/9 theo lịch.", ["29/8-2/9"]),
        ("Đợt tiêm từ 28/12 – 3/1/2026 tại trạm.", ["28/12 – 3/1/2026"]),
        # Afternoon and evening hours as a limit.
        ("Nộp mẫu trước 15h thứ Sáu.", ["15h"]),
        ("Không nhận bệnh sau 21h.", ["21h"]),
        # The hours of a monitoring log, each before a reading.
        ("Dấu hiệu sinh tồn: 8h M 92, 10h M 88, 12h M 84 lần/phút.", ["8h", "10h", "12h"]),
        ("6h SpO2 95%, 7h SpO2 97%.", ["6h", "7h"]),
    ],
    "PERSON": [
        # A middle name written as an initial.
        ("Người bệnh Trần Q. Hưng được chuyển viện.", ["Trần Q. Hưng"]),
        # Initials before a given name.
        ("Hộ lý N.T. Hằng đưa bệnh nhân đi chụp phim.", ["N.T. Hằng"]),
        ("Người đỡ đẻ là V.T.K. Oanh.", ["V.T.K. Oanh"]),
        # Irish-style names with an apostrophe.
        ("Bệnh nhân Sean O'Connor (40 tuổi) bị sốc phản vệ.", ["Sean O'Connor"]),
        # A title at the start of a sentence before a foreign or a one-word name.
        ("Ông Zhang Wei là chuyên gia của công ty.", ["Zhang Wei"]),
        ("Bà Tám cho biết cháu ho đã ba ngày.", ["Tám"]),
        # Call-centre and office roles, and a caller's own name.
        ("Tổng đài viên Thu Trang ghi nhận cuộc gọi.", ["Thu Trang"]),
        ("Phiên dịch viên Hằng hỗ trợ gia đình bệnh nhân.", ["Hằng"]),
        ("Người gọi xưng là Sơn, ở gần chợ.", ["Sơn"]),
        ("Luật sư Khải đề nghị sao y hồ sơ.", ["Khải"]),
        # A form label after the name ends it.
        ("Họ và tên: Lò Văn Sinh   Ngày sinh: 02/03/1980", ["Lò Văn Sinh"]),
    ],
}

NEGATIVE = {
    "DATE_TIME": [
        # Scores and ratios.
        "Apgar 8/9, bé hồng hào.",
        "Sau mổ đau 4/10, giảm còn 2/10 sau giảm đau.",
        "Bệnh nhân đau ngực > 7/10 khi gắng sức.",
        "INR mục tiêu 2-3 với van cơ học.",
        # Doses, lab values, counts, durations.
        "Augmentin 875/125mg uống 2 lần/ngày.",
        "Bạch cầu 12,4 G/L, tiểu cầu 210 G/L.",
        "Ghi nhận 1.204 ca, tăng 12% so với tuần trước.",
        "Truyền dịch trong 24h, theo dõi sát.",
        "Uống sau ăn 2h, ngày 2 lần.",
        # Common words, not lunar days.
        "Gia đình mong bệnh nhân sớm khỏi.",
    ],
    "VN_PATIENT_ID": [
        # Lot numbers, ICD codes, facility codes, counts, a staff code under its own label.
        "Vắc xin lô số VX-2026-0412 hạn dùng 2027.",
        "Chẩn đoán mã ICD J18.9 và E11.9.",
        "Cơ sở có mã KCB 01-017.",
        "Cả tỉnh có 1.382 ca mắc mới.",
        "Tư vấn viên (mã TVV TV-301) kết thúc cuộc gọi.",
        "Hồ sơ COVID-19 đã được đóng.",
        "Phiếu lĩnh thuốc PL-2026 ngày 3/4.",
    ],
    "PHONE_NUMBER": [
        # Hotlines, clinical values with a "+", an invalid foreign number.
        "Gọi đường dây nóng 1900 9095 hoặc 115.",
        "Tổng đài 1800 1234 miễn phí.",
        "Test nhanh (+), cấy máu +3 ngày.",
        "ESBL (+), Rh+ 2 đơn vị máu.",
        "Chỉ số +44 12 trong thang điểm.",
    ],
    "PERSON": [
        # Blood groups and species names.
        "Nhóm máu mẹ B Rh+, con O Rh-.",
        "Bố AB+, mẹ A-.",
        "Cấy đờm ra K. pneumoniae và P. aeruginosa.",
        "Nhiễm S. aureus kháng methicillin.",
    ],
}


test_finds, test_ignores = case_tests(POSITIVE, NEGATIVE)
