"""Discharge papers and discharge summaries (v7, hand-written, blind)."""

GENRE = "discharge"

ITEMS = [
    "GIẤY RA VIỆN số [[PID|2034/GRV-BVĐKTN]] – Họ tên người bệnh: [[P|ĐINH VĂN QUYẾN]] – Tuổi: [[A|49]] – Nam.",
    "Vào viện lúc [[D|08 giờ 15 phút]] ngày [[D|19 tháng 11 năm 2026]]; ra viện lúc [[D|10 giờ]] ngày [[D|02 tháng 12 năm 2026]].",
    "Chẩn đoán ra viện: Viêm phổi cộng đồng mức độ trung bình (J18.0), đã điều trị ổn định.",
    "Mã y tế: [[PID|79260118453]]; số lưu trữ: [[PID|LT-1187/26]].",
    "Lời dặn: uống thuốc đều, tái khám ngày [[D|16/12/2026]] tại phòng khám Nội tiết, mang theo giấy này.",
    "Địa chỉ: [[ADR|tổ 14, phường Quang Trung, TP Thái Nguyên]], [[LOC|tỉnh Thái Nguyên]].",
    "Phương pháp điều trị: kháng sinh, bù dịch, khí dung, vật lý trị liệu hô hấp.",
    "Số thẻ BHYT: [[BHYT|GD4 01 0126 337 981]] – giá trị đến [[D|31/12/2026]].",
    "Trưởng khoa: BSCKII [[P|Hà Minh Trọng]]    Giám đốc: TTƯT.BS [[P|Nguyễn Hữu Lễ]]",
    "DISCHARGE SUMMARY – Patient: [[P|Olivia Brennan]], [[A|34 y/o]], nationality [[LOC|Ireland]]; admitted [[D|Nov 27, 2026]] with acute gastroenteritis.",
    "Tình trạng ra viện: tỉnh, hết sốt 3 ngày, ăn uống được, vết mổ khô, đã cắt chỉ.",
    "Người nhà nhận BN: [[P|Lê Thị Sương]] (vợ), ĐT [[PH|0868-302-517]].",
    "Tóm tắt HSBA số [[PID|BA.2026.104722]]: BN [[P|H.Đ.L.]], [[A|16 tuổi]], chấn thương lách độ III, mổ cắt lách [[D|22/11]].",
    "Ghi chú: BN nghỉ ốm 10 ngày kể từ ngày ra viện; đã cấp giấy chứng nhận nghỉ việc hưởng BHXH số [[PID|0214/GCN]].",
    "Mã số BHXH: [[BHXH|0126 337 981]].",
    "Thuốc ra viện: Amlodipin 5mg 1 viên sáng, Metformin 850mg 2 viên chia 2 lần, dùng 30 ngày.",
    "Bác sĩ điều trị: [[P|Mạc Đăng Khoa]] (CCHN [[SID|002739/TNg-CCHN]]), ĐT khoa [[PH|0208 3855 472]].",
    "Sản phụ [[P|Nông Thị Hoài]], [[A|26 tuổi]], sinh thường lúc [[D|3 giờ 40 phút]] ngày [[D|26/11/2026]], bé trai 3.200 g, Apgar 7/9.",
    "Người bệnh được hướng dẫn tự theo dõi huyết áp tại nhà và ghi vào sổ.",
    "Ra viện theo yêu cầu gia đình: người nhà [[P|Sầm Văn Pó]] ký cam kết lúc [[D|16:45]].",
    "Tái khám: [[D|thứ Ba, 22/12/2026]] hoặc bất cứ khi nào có dấu hiệu bất thường.",
    "Email nhận kết quả giải phẫu bệnh: [[EM|dinhquyen.tn1977@yahoo.com]]",
    "Kết quả GPB: viêm ruột thừa cấp mưng mủ, không thấy tế bào ác tính.",
    "BN [[P|Vàng Thị Dé]] ra viện về [[ADR|bản Huổi Só, xã Tủa Chùa]], [[LOC|Điện Biên]]; đã hẹn y tế xã theo dõi.",
    "Giấy ra viện cấp cho: [[P|PHAN THỊ KIỀU DIỄM]], sinh ngày [[D|03/07/1991]], CCCD [[CCCD|079191008426]].",
    "Khi cần gọi [[PH|0258 3 560 114]] (phòng KHTH) hoặc tổng đài 1900 6198.",
    "Ra viện buổi chiều, BN tự đi về, không cần xe cứu thương.",
    "Tóm tắt diễn biến: bệnh nhân [[P|Trịnh]] vào viện [[D|cuối tháng 11]], được nội soi gắp dị vật thực quản.",
]
