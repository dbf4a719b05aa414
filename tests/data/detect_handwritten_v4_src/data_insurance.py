"""Insurance and BHYT claim review notes (giám định BHYT, thanh toán bảo hiểm). Markup: [[CODE|span]]."""

GENRE = "insurance"

ITEMS = [
    "Hồ sơ giám định số [[PID|GĐ-BHYT-26-00931]]: người bệnh [[P|Kiều Văn Thọ]], mã thẻ [[BHYT|DN4790126644318]], mã số BHXH [[BHXH|7926644318]].",
    "Mã ĐKKCB ban đầu: 79-071; nơi KCB: BV Quận Tân Phú.",
    "Ngày vào [[D|02/4/2026]], ngày ra [[D|08/4/2026]], tổng chi phí 18.740.500 đồng, BHYT chi trả 80%.",
    "Xuất toán 1.216.000đ tiền thuốc Albumin 20% do không đúng chỉ định theo Thông tư 20/2022/TT-BYT.",
    "Giám định viên: [[P|Lục Thị Phương Thảo]] - mã GĐV [[SID|GDV-79-0142]].",
    "Đề nghị BV giải trình trước [[D|15/5/2026]] các hồ sơ có mã bệnh J18.9 nằm viện trên 14 ngày.",
    "Thẻ BHYT [[BHYT|HC4010198765521]] hết hạn ngày [[D|31/3/2026]], người bệnh đã gia hạn bổ sung ngày [[D|5/4]].",
    "Người tham gia: [[P|Phan Thị Diễm]], sinh [[D|23/09/1985]], CCCD [[CCCD|079185012774]], số sổ BHXH [[BHXH|7909 8845 21]].",
    "Hồ sơ đề nghị thanh toán trực tiếp số [[PID|TTTT-2026-0417]], người nộp: chồng [[P|Lâm Chí Thanh]], ĐT [[PH|0707 336 491]].",
    "Lý do thanh toán trực tiếp: KCB tại cơ sở không ký hợp đồng BHYT khi cấp cứu ở [[LOC|Bình Dương]].",
    "Tổng số 2.734 hồ sơ được giám định tự động trong quý I, tỷ lệ từ chối 3,2%.",
    "Phát hiện trùng lượt KCB: thẻ [[BHYT|GD4750520031187]] khám 2 nơi cùng ngày [[D|11/4/2026]] lúc [[D|8h05]] và [[D|8h40]].",
    "Người bệnh [[P|Tạ Văn Hùng]] ([[A|71 tuổi]]) ở [[ADR|xã Nhị Thành, huyện Thủ Thừa]] xác nhận chỉ khám tại TTYT huyện.",
    "Biên bản làm việc ngày [[D|18/4]] giữa BHXH tỉnh Long An và TTYT huyện Thủ Thừa.",
    "Kiến nghị: thu hồi 312.000đ; nhắc nhở BS [[P|Võ Thành Nhân]] (CCHN [[SID|002984/LA-CCHN]]) về ghi chép hồ sơ.",
    "Yêu cầu bồi thường bảo hiểm sức khỏe số [[PID|BT26-HCM-01573]] - người được bảo hiểm: [[P|Châu Gia Hân]], [[A|6 tuổi]].",
    "Người yêu cầu bồi thường: mẹ là [[P|Lý Thị Kim Loan]], email [[EM|kimloan.ly2017@gmail.com]], SĐT [[PH|093 7712 508]].",
    "Chứng từ: hóa đơn điện tử, giấy ra viện, bảng kê chi phí; thiếu kết quả CLS, đề nghị bổ sung.",
    "Quyền lợi nội trú: 2.000.000đ/ngày, tối đa 60 ngày/năm; đồng chi trả 10%.",
    "Thẩm định viên [[P|Tươi]] gọi BV xác minh lúc [[D|9h30]] [[D|22/4]], BV xác nhận BN nằm viện từ [[D|14/4]] đến [[D|19/4]].",
    "Mã số BHXH: [[BHXH|0125774930]] - [[P|Lê Thị Vân Kiều]] - đơn vị: [[ADR|công ty TNHH Giày Ngọc Tề]].",
    "Sổ BHXH số [[BHXH|3116 0429 87]] của ông [[P|Đoàn Văn Hậu]] đã chốt quá trình đóng đến [[D|tháng 3/2026]].",
    "hs tu choi: the [[BHYT|TE1797900112436]] cua be [[P|huynh gia phuc]] [[A|4t]], kham trai tuyen khong co giay chuyen.",
    "Báo cáo tổng hợp: 87 hồ sơ chỉ định xét nghiệm HbA1c quá 4 lần/năm, đề nghị rà soát.",
    "Trao đổi với phòng KHTH BV qua số [[PH|028.3830.2145]] - máy lẻ [[PH|2231]], gặp chị [[P|Quỳnh]].",
    "Giám định hồ sơ BN [[P|Ma A Chư]] ([[ADR|bản Sín Chải]]), thẻ [[BHYT|DT2141001927763]], hưởng 100% do người DTTS vùng ĐBKK.",
    "Ngày [[D|25]] và [[D|26/4]] đoàn kiểm tra BHXH làm việc tại BV, trưởng đoàn: ông [[P|Vi Văn Quảng]].",
    "Số hồ sơ XML gửi cổng giám định trễ hạn: 41, lý do lỗi đường truyền ngày [[D|27/4]].",
    "Đối chiếu danh sách: BN [[PID|B2604455]], [[PID|B2604461]], [[PID|B2604470]] có chỉ định MRI trùng lặp trong 7 ngày.",
    "Các mã bệnh nhân trên được nhắc lại trong biên bản: [[PID|B2604455]] (đúng), [[PID|B2604461]] (xuất toán).",
    "Thông báo từ chối thanh toán gửi qua email [[EM|khth@bvdkquangnam.vn]] và bưu điện.",
    "Người nộp hồ sơ: [[P|Nguyễn Thị Hoài Thương]], CMND cũ [[CCCD|205487321]], CCCD mới [[CCCD|049188007126]].",
    "Địa chỉ nhận tiền: [[ADR|tổ 3, khối phố Tân Thạnh, phường Tân Thạnh, TP Tam Kỳ]], [[LOC|Quảng Nam]].",
    "Ghi chú: bảng kê mẫu 01/BV, mã dịch vụ 18.0072.0029, đơn giá 552.000đ - không cần sửa.",
    "Công văn số 1432/BHXH-GĐBHYT về việc thanh toán chi phí thuốc ngoài danh mục.",
    "Cổng tiếp nhận 1900 9068 của BHXH VN hướng dẫn tra cứu mã số BHXH qua ứng dụng VssID.",
    "Chuyên viên [[P|Nông Thanh Tùng]], mã CB [[SID|CB-BHXH-0577]], xử lý hồ sơ từ [[D|thứ Hai 4/5]] đến [[D|thứ Sáu 8/5]].",
    "Đơn khiếu nại của ông [[P|Hà Đức Trọng]], [[A|68 tuổi]], [[ADR|số 3 hẻm 12 Lý Thường Kiệt, phường 6, TP Tân An]], về việc bị từ chối chi trả stent.",
    "Số điện thoại ông [[P|Trọng]] ghi trong đơn: [[PH|0272 3 826 554]] (nhà), [[PH|09.1234.87.65]] (di động).",
]

ITEMS += [
    "Danh sách hồ sơ treo: [[PID|HS-TT-0091]], [[PID|HS-TT-0094]], [[PID|HS-TT-0102]]; giám định viên phụ trách [[P|Quan Văn Đức]] ([[SID|GDV-26-0318]]).",
    "Cán bộ BHXH huyện [[P|Lò Thị Phương]], mã CB [[SID|CB-0481]], ĐT cơ quan [[PH|0214 3 740 225]], di động [[PH|+84.0915.337.664]].",
    "BS [[P|Hầu Minh Tuấn]] hành nghề với CCHN [[SID|003376/LCA-CCHN]] nhưng chưa đăng ký hành nghề tại BV, hồ sơ do BS ký bị từ chối.",
    "Bảng đối chiếu có 15 BS thiếu thông tin CCHN, đề nghị BV cập nhật danh sách.",
    "Người bệnh [[P|Đào Thị Gấm]] liên hệ lại qua [[PH|0 9 7 8 - 3 3 - 6 6 - 1 5]] sau khi nhận thông báo từ chối.",
]
ITEMS += [
    "Thẻ BHYT [[BHYT|HS 4 01 0122 004 671]] của học sinh [[P|Đỗ Bảo Châu]] ([[A|16 tuổi]]) được cấp lại, mã BHXH [[BHXH|0122004671]]; PH liên hệ [[PH|0243.762.0048]].",
]
ITEMS += [
    "Danh sách người hành nghề đăng ký bổ sung: [[P|Triệu Văn Khánh]] ([[SID|000318/BK-CCHN]]), [[P|Đàm Thị Thu Hà]] ([[SID|0009127/BYT-CCHN]]), [[P|Y Sơn Niê Kdăm]] ([[SID|001542/ĐL-CCHN]]).",
]
