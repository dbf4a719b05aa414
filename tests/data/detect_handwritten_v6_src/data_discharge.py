"""Discharge letters (v6, hand-written, blind)."""

GENRE = "discharge"
ITEMS = [
    "GIẤY RA VIỆN - Họ tên người bệnh: [[P|PHẠM THỊ NGUYỆT]], Tuổi: [[A|45]], Nữ.",
    "Địa chỉ: [[ADR|số 27 ngách 41/12 phố Khương Hạ, phường Khương Đình]], [[LOC|Hà Nội]].",
    "Vào viện lúc [[D|09 giờ 15 phút]], ngày [[D|03 tháng 3 năm 2026]]; ra viện ngày [[D|11/3/2026]].",
    "Mã lưu trữ: [[PID|LT-2603-01187]]; Số vào viện: [[PID|26/0045219]].",
    "Chẩn đoán: Viêm túi mật cấp do sỏi (K80.0), đã phẫu thuật nội soi cắt túi mật.",
    "Phương pháp điều trị: kháng sinh Ceftriaxone 2g/ngày x 5 ngày, giảm đau, bù dịch.",
    "Lời dặn: ăn nhẹ, tránh mỡ, tái khám sau 10 ngày hoặc khi đau bụng, sốt, vàng da.",
    "Số thẻ BHYT: [[BHYT|DN4790124856631]], hưởng 80%.",
    "Trưởng khoa: BSCKII [[P|Lưu Trọng Nghĩa]], CCHN số [[SID|003915/ĐNAI-CCHN]].",
    "Ông [[P|Y Thuôn Niê]], SN [[A|1969]], xuất viện, tình trạng ổn định, tự đi lại được.",
    "Ra viện [[D|thứ Sáu, 20/3]], hẹn tái khám [[D|03/4]] tại phòng khám Ngoại.",
    "Người bệnh xin ra viện, đã được giải thích nguy cơ; người nhà là vợ [[P|Chu Thị Lụa]] ký cam kết.",
    "Tóm tắt kết quả cận lâm sàng: creatinin 112 µmol/L, eGFR 58, HbA1c 7,9%.",
    "Bé [[P|Vũ Gia Hân]], [[A|4 tuổi 7 tháng]], ra viện sau 6 ngày điều trị viêm phổi.",
    "Mẹ bé: [[P|Ngô Thị Bích Thủy]], điện thoại [[PH|0388.206.514]].",
    "Thuốc mang về: Metformin 850mg 1 viên x 2 lần/ngày, Amlodipin 5mg 1 viên sáng, dùng 30 ngày.",
    "Giấy ra viện số [[PID|1472/GRV-BVĐK]], cấp ngày [[D|25 tháng 02 năm 2026]].",
    "CCCD người bệnh: [[CCCD|036185007743]].",
    "Ghi chú: bệnh nhân không mang theo phim cũ, đã trả kết quả CT scanner lồng ngực.",
    "Discharge summary - Patient: [[P|Kim Ji-woo]], [[A|33 years]], nationality [[LOC|Korea]], admitted [[D|Feb 26, 2026]].",
    "Nơi làm việc: [[ADR|trường Mầm non Hoa Sen, phường Tân Phong, quận 7]].",
    "Bác sĩ điều trị [[P|Tôn Nữ Diệu Linh]], mã nhân viên [[SID|NV-04417]].",
    "Ra viện lúc [[D|14h]] [[D|2/4]], người nhà đón bằng xe riêng.",
    "Bệnh ổn, không còn sốt 3 ngày, bạch cầu về bình thường, tiếp tục uống kháng sinh 5 ngày.",
    "Bệnh nhân [[P|Mạc Văn Đông]] ([[A|52t]]) ở [[ADR|khu 4, thị trấn Hùng Sơn, huyện Lâm Thao]], ra viện.",
    "Số BHXH: [[BHXH|0126 5540 87]] - liên hệ BHXH huyện để làm thủ tục hưởng chế độ ốm đau.",
    "Nghỉ ốm 07 ngày, từ [[D|12/3]] đến [[D|18/3/2026]].",
    "Kết quả giải phẫu bệnh: viêm ruột thừa mủ, không thấy tế bào ác tính.",
    "Đã tư vấn chế độ ăn giảm muối, tập thể dục 30 phút/ngày, đo HA tại nhà.",
]

ITEMS += [
    "Mã số người bệnh: [[PID|26-0118-447]]; số ra viện [[PID|RV/2026/00913]].",
    "Thẻ BHYT [[BHYT|HC 4 01 0144 228 903]], mã BHXH [[BHXH|0135 227 640]], CCCD [[CCCD|001302006619]].",
    "Liên hệ khi cần: khoa Ngoại tổng hợp [[PH|0258.3521.066]] máy lẻ [[PH|320]], hoặc BS điều trị [[PH|0905-216-773]].",
    "Phó khoa BS.CKI [[P|Yên Thị Hạnh]], CCHN [[SID|002118/KHH-CCHN]], ký tên đóng dấu.",
    "Email nhận tóm tắt bệnh án: [[EM|hannah.becker@web.de]] (người bệnh yêu cầu bản tiếng Anh).",
]
