"""Referral letters (v6, hand-written, blind)."""

GENRE = "referral"
ITEMS = [
    "GIẤY CHUYỂN TUYẾN số [[PID|318/2026/GCT]] - Kính gửi: Bệnh viện Trung ương Thái Nguyên.",
    "Trung tâm Y tế huyện Định Hóa trân trọng giới thiệu người bệnh: [[P|Ma Văn Thiêm]], [[A|67 tuổi]], dân tộc Tày.",
    "Địa chỉ: [[ADR|xóm Nà Tấc, xã Bảo Linh, huyện Định Hóa]], [[LOC|Thái Nguyên]].",
    "Lý do chuyển tuyến: vượt khả năng chuyên môn, nghi nhồi máu cơ tim cấp, ST chênh lên DII DIII aVF.",
    "Đã xử trí: Aspirin 300mg nhai, Clopidogrel 300mg, thở oxy, lập đường truyền.",
    "Chuyển tuyến hồi [[D|05 giờ 50 phút]], ngày [[D|19 tháng 01 năm 2026]], phương tiện xe cứu thương, có ĐD [[P|Hoàng Thị Trang]] đi kèm.",
    "Mã chuyển tuyến: [[PID|CT.19012026.0077]]; thẻ BHYT [[BHYT|DT2191905113482]].",
    "Y, bác sĩ khám, điều trị: [[P|Lăng Văn Hải]], CCHN [[SID|000842/TNG-CCHN]].",
    "Kính chuyển BS [[P|Đoàn]] khoa Thận: [[PID|BN 7731]] suy thận mạn gđ 4, nhờ đánh giá chạy thận.",
    "Tình trạng lúc chuyển: tỉnh, M 110 l/p, HA 90/60, SpO2 94% với oxy 5 l/p.",
    "Xin giới thiệu cháu [[P|Trần Nhật Minh]], [[A|6 tuổi]], con anh [[P|Trần Văn Dũng]], ở [[ADR|tổ 9, phường Quyết Thắng, TP Lai Châu]].",
    "Referral: Mr [[P|Somchai Keo]] ([[A|41 y/o]]), [[LOC|Lao]] citizen, from [[ADR|Lao Bảo]], suspected TB meningitis.",
    "Kết quả xét nghiệm gửi kèm: công thức máu, sinh hóa, X-quang phổi 1 phim, điện tim 1 bản.",
    "Liên hệ BS chuyển: [[PH|0987 21 66 09]] (di động) hoặc trực khoa [[PH|0208 3857 204]] máy lẻ [[PH|15]].",
    "Hồ sơ số [[PID|HS-0319/NT]], người bệnh [[P|Khổng Thị Duyên]], nữ, SN [[A|1978]].",
    "Đề nghị tuyến trên chụp MRI sọ não, tuyến huyện không có máy.",
    "Người đi cùng: chồng là [[P|Bế Văn Sình]], CMND cũ [[CCCD|095 114 732]].",
    "Chuyển viện [[D|Chủ nhật 8/2]], lúc [[D|23h10]], bệnh nhân kích thích, GCS 11 điểm.",
    "Giấy chuyển tuyến có giá trị sử dụng đến hết ngày [[D|31/12/2026]].",
    "Đã tiêm phòng uốn ván SAT 1500 đơn vị, kháng sinh dự phòng Cefazolin 1g.",
    "Nơi bị nạn: [[ADR|km 23 quốc lộ 3, đoạn qua xã Phú Đình]], đâm xe với xe tải.",
    "Trạm Y tế xã gửi lên: bà [[P|Sầm Thị Nhung]] [[A|72t]] ở [[ADR|bản Khau Tạo]], sốt cao co giật.",
    "BS trưởng trạm [[P|Quan Văn Toản]] ký, đóng dấu.",
    "Tuyến dưới đã chẩn đoán viêm màng não chưa loại trừ, chọc dịch não tủy chưa làm.",
    "Email liên hệ: [[EM|khambenh.dinhhoa@gmail.com]], fax ghi ngoài bì thư.",
    "Tiền sử gia đình không ghi nhận bệnh di truyền.",
]

ITEMS += [
    "Số hồ sơ chuyển: [[PID|CV-0418/2026]], bệnh nhân [[P|Tòng Văn Piệng]], thẻ BHYT [[BHYT|DK2141426007731]].",
    "CCCD: [[CCCD|014088002947]]; BHXH: [[BHXH|1422 0071 38]]; ĐT người nhà: [[PH|0813 226 904]].",
    "BS chuyển tuyến [[P|Lò Thị Thoa]], CCHN [[SID|0004275/SL-CCHN]], ĐT [[PH|0212.3855.109]].",
    "Người nhận bàn giao tuyến trên: BS [[P|Nghiêm Văn Hợi]], mã NV [[SID|BV-TW-6631]], lúc [[D|13h05]].",
]

ITEMS += [
    "BS tiếp nhận tuyến trên [[P|Nông Văn Tường]], CCHN [[SID|018833/BYT-CCHN]], SĐT [[PH|0904 772 315]], email [[EM|tuong.nv@bvtwtn.vn]].",
    "Người bệnh từ chối chuyển tuyến, đã ký giấy cam kết, tiếp tục điều trị tại chỗ.",
    "Tuyến huyện không có bác sĩ chuyên khoa Ung bướu, đề nghị chuyển tuyến trên điều trị tiếp.",
]
