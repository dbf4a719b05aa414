"""Death certificates and death reports (giấy báo tử, trích biên bản tử vong). Markup: [[CODE|span]]."""

GENRE = "death"

ITEMS = [
    "GIẤY BÁO TỬ\nSố: [[PID|0093/GBT-BVĐK]]\nHọ và tên người chết: [[P|LƯU VĂN KHẨN]]",
    "Ngày, tháng, năm sinh: [[D|12/07/1949]]   Giới tính: Nam   Dân tộc: Kinh   Quốc tịch: [[LOC|Việt Nam]]",
    "Số định danh cá nhân: [[CCCD|036049002917]]",
    "Nơi thường trú: [[ADR|thôn Vạn Điểm, xã Hải Vân, huyện Hải Hậu]], [[LOC|tỉnh Nam Định]]",
    "Đã chết vào lúc: [[D|04 giờ 50 phút]], ngày [[D|03 tháng 01 năm 2026]]",
    "Nơi chết: Khoa Hồi sức tích cực - Bệnh viện Đa khoa tỉnh Nam Định.",
    "Nguyên nhân chết: Sốc nhiễm khuẩn / Viêm phổi bệnh viện / Đột quỵ não cũ.",
    "Người đi khai tử: [[P|Lưu Thị Nhung]], quan hệ: con gái, ĐT [[PH|0917 331 620]].",
    "Giấy báo tử số [[PID|17/GBT-TYT]] do Trạm Y tế xã cấp cho gia đình bà [[P|Lý Thị Đào]], mất tại nhà đêm [[D|28 tháng Chạp]] (âm lịch).",
    "Thông tin: bà [[P|Đào]] [[A|92 tuổi]], già yếu, không điều trị tại cơ sở y tế trong 30 ngày trước khi mất.",
    "Trưởng trạm y tế: YS [[P|Mông Văn Khu]] - CCHN số [[SID|000742/LS-CCHN]]",
    "TRÍCH BIÊN BẢN KIỂM ĐIỂM TỬ VONG - BN [[P|Trịnh Thị Là]], [[A|34t]], mã BN [[PID|26004413]], tử vong [[D|17h05]] [[D|19/01/2026]].",
    "Diễn biến: sau sinh mổ 6 giờ, chảy máu sau đẻ, đờ tử cung, truyền 8 đơn vị máu, cắt tử cung bán phần.",
    "Kết luận hội đồng: tử vong do rối loạn đông máu (DIC) sau băng huyết, không có sai sót chuyên môn.",
    "Thư ký hội đồng: BS [[P|Vi Thị Hường]]; chủ tọa: PGS.TS [[P|Tiêu Quang Hải]].",
    "Giấy báo tử cấp lại lần 2 theo đơn của ông [[P|Cao Văn Lập]] ngày [[D|20-01-2026]], bản gốc số [[PID|412/GBT]] bị mất.",
    "Họ tên người chết: [[P|Y Bhiông Ksơr]]   Năm sinh: [[A|1987]]   Dân tộc: Ê Đê",
    "Nơi cư trú: [[ADR|buôn Kô Sia, xã Ea Kao, TP Buôn Ma Thuột]], [[LOC|Đắk Lắk]]",
    "Chết do: đuối nước tại [[ADR|hồ Ea Kao]], được người dân vớt lên khoảng [[D|18 giờ]], đến viện đã tử vong.",
    "Người chết [[A|4 ngày tuổi]], con của chị [[P|Mùa Thị Dợ]], sinh non 30 tuần tại nhà.",
    "Nguyên nhân: suy hô hấp, nhiễm khuẩn huyết sơ sinh (P36.9).",
    "BÁO CÁO TỬ VONG gửi Sở Y tế: 01 ca tử vong trong tuần qua, mã báo cáo TV-SYT-2026-0031.",
    "Ca tử vong ([[PID|BN 2204]]) đã được báo cáo theo quy định tại Thông tư 24/2020/TT-BYT.",
    "người khai: anh [[P|vu duc thang]], so cccd [[CCCD|034 090 011 528]], o [[ADR|so 9 kiet 41 Ton Duc Thang, Hoa Khanh Nam, Lien Chieu]].",
    "Ông [[P|Thắng]] xác nhận cha là [[P|Vũ Đức Cẩn]] mất lúc [[D|23h40]] [[D|thứ Bảy, 24/01/2026]] tại nhà riêng.",
    "Bác sĩ xác nhận: [[P|Lại Thị Ngọc Ánh]], CCHN [[SID|001365/ĐNA-CCHN]]; ngày ký [[D|25/01/2026]].",
    "Giấy chứng tử kèm theo hồ sơ bệnh án số lưu trữ [[PID|TV-26/0019]].",
    "Quyển số: 02/2026. Mẫu giấy báo tử theo Phụ lục ban hành kèm Thông tư 24/2020/TT-BYT.",
    "Người chết: [[P|Ahmad Yusuf]], quốc tịch [[LOC|Malaysia]], [[A|61 tuổi]], du khách lưu trú [[ADR|resort Mường Thanh Cửa Lò]].",
    "Tử vong ngoại viện, xe 115 đến [[ADR|bãi tắm Cửa Hội]] lúc [[D|6h12]], BN ngừng tim, ép tim 30 phút không hiệu quả.",
    "Người nhận xác: [[P|Siti Aminah]] (vợ), liên hệ [[PH|+60 12 338 4471]].",
]

ITEMS += [
    "Giấy báo tử số [[PID|226/GBT-BVTW]] và số [[PID|227/GBT-BVTW]] cấp cùng ngày cho 2 nạn nhân vụ cháy.",
    "BS xác nhận tử vong: [[P|Tiêu Minh Quân]] ([[SID|014416/BYT-CCHN]]); người làm chứng: [[P|Lò Văn Ún]], [[PH|0383 · 611 · 029]].",
    "Số liên hệ của gia đình ghi trên giấy: [[PH|0274 3 822 961]] - [[PH|0.369.004.782]].",
]
