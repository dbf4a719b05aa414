"""Death certificates and reports: giấy báo tử, biên bản kiểm điểm tử vong, báo cáo tử vong (v5, hand-written)."""

GENRE = "death"

ITEMS = [
    "GIẤY BÁO TỬ - Số: [[PID|0217/GBT-BVĐKT]] - Quyển số: 01/2026.",
    "Họ và tên người chết: [[P|KHỔNG VĂN THIỆN]]; Nam; Ngày, tháng, năm sinh: [[D|04/03/1951]]; Dân tộc: Kinh.",
    "Nơi thường trú: [[ADR|xóm 5, xã Diễn Kỷ, huyện Diễn Châu]], [[LOC|tỉnh Nghệ An]]; CCCD: [[CCCD|040051003381]].",
    "Đã chết vào lúc: [[D|03 giờ 40 phút]], ngày [[D|19 tháng 11 năm 2026]], tại khoa Hồi sức tích cực.",
    "Nguyên nhân chết: Sốc nhiễm khuẩn / Viêm phổi bệnh viện / Đột quỵ nhồi máu não cũ.",
    "Người đi khai tử: bà [[P|Lê Thị Rạng]], quan hệ với người chết: vợ, SĐT [[PH|0 2 3 8 3 8 6 1 4 0 2]].",
    "Biên bản kiểm điểm tử vong bệnh nhân [[P|Hồ Quang Vũ]], [[A|34 tuổi]], mã BN [[PID|26-0081552]].",
    "Thời gian họp: [[D|14h00]] ngày [[D|21/11/2026]]; chủ trì: PGS.TS [[P|Văn Đình Hoan]].",
    "Tóm tắt diễn biến: bn vào viện sau tai nạn giao thông trên [[ADR|Quốc lộ 1A đoạn qua xã Quỳnh Lưu]], chấn thương sọ não nặng, Glasgow 5 điểm.",
    "Đã được phẫu thuật lấy máu tụ ngoài màng cứng, sau mổ hôn mê sâu, đồng tử giãn 2 bên, ngừng tuần hoàn.",
    "Kết luận: tử vong do bệnh lý nặng, không có sai sót chuyên môn.",
    "Bệnh nhân [[P|Siu H'Yim]] ([[A|68t]]), [[ADR|làng Plei Ring, xã Ia Băng, huyện Đak Đoa]], tử vong tại nhà sau khi xin về.",
    "Báo cáo tử vong mẹ: sản phụ [[P|Đinh Thị Hoè]], [[A|24 tuổi]], tử vong do băng huyết sau sinh lúc [[D|22h15]] [[D|9/11]].",
    "Thư ký: BS [[P|Kha Thị Diễm Lan]] (CCHN [[SID|0021946/HCM-CCHN]]); chủ tọa: BS CKII [[P|Mạc Văn Hùng]] (CCHN [[SID|011735/BYT-CCHN]]).",
    "Giấy báo tử cấp cho gia đình ông [[P|Tăng Văn Quý]], mã lưu trữ [[PID|TV.26.00147]].",
    "Nguyên nhân tử vong trực tiếp: suy hô hấp cấp. Nguyên nhân gốc: ung thư phổi giai đoạn IV (C34.9).",
    "Tử vong ngoại viện: tử vong trên đường chuyển viện, không làm giấy báo tử tại bệnh viện.",
    "Trẻ [[P|Giàng Thị Mỷ]], [[A|4 tháng tuổi]], ở [[ADR|bản Tà Chải, xã Na Hối, huyện Bắc Hà]], tử vong ngày [[D|16/11]] do viêm phổi nặng.",
    "Người chết: [[P|do van thinh]], sinh [[A|1977]], mất lúc [[D|23:05]] [[D|30/11/2026]] tại nhà, [[ADR|số 8 hẻm 210 Lê Văn Sỹ, Phường 1, Tân Bình]].",
    "Bác sĩ xác nhận: [[P|Nhâm Thị Oanh]], CCHN [[SID|002745/BDU-CCHN]]; BS trưởng khoa ký xác nhận.",
    "Ca tử vong thứ 2 trong tuần tại khoa Truyền nhiễm được báo cáo lên Sở Y tế trong vòng 24 giờ.",
    "Số báo tử: [[PID|BT-2611/032]]; CCCD người khai: [[CCCD|001092017443]]; người khai: anh [[P|Vũ Trọng Nghĩa]] (con).",
    "Biên bản kiểm thảo tử vong được lập thành 3 bản, lưu hồ sơ bệnh án, phòng KHTH và khoa.",
    "Ông [[P|Ksor Y Blơk]], [[A|75 tuổi]], tử vong lúc [[D|5 giờ]] sáng [[D|thứ Bảy 22/11]], người nhà đưa về [[ADR|buôn Ma Lăng, xã Ea Tiêu, huyện Cư Kuin]].",
    "Thời điểm tử vong ghi trên monitor: [[D|04:27]]. Sốc điện 3 lần, Adrenalin 1mg x 6 ống, không kết quả.",
    "Hồ sơ tử vong của bn Mr. [[P|Tanaka]]... kèm xác nhận của Đại sứ quán [[LOC|Nhật Bản]].",
    "Đã thông báo cho con gái [[P|Sophie Laurent]] qua email [[EM|sophie.laurent71@outlook.fr]] và điện thoại [[PH|+33 6 42 18 97 05]].",
    "Khám nghiệm tử thi theo yêu cầu của cơ quan điều tra Công an huyện Thạch Thất.",
]
