"""Hotline and call-centre notes (v6, hand-written, blind)."""

GENRE = "hotline"
ITEMS = [
    "Cuộc gọi lúc [[D|08:47]] [[D|10/03/2026]] - người gọi: [[P|Lê Văn Quyết]], SĐT [[PH|0903 118 774]], phản ánh chờ khám lâu.",
    "KH xưng tên [[P|Thơm]], gọi từ [[PH|+84 97 330 2158]], hỏi lịch tiêm vắc xin sởi cho con [[A|10 tháng tuổi]].",
    "Tổng đài 1900 3228 tiếp nhận 1.204 cuộc gọi trong tuần, 87% được giải quyết ngay.",
    "Điện thoại viên [[SID|TĐ-0552]] chuyển cuộc gọi sang phòng CTXH, ext [[PH|241]].",
    "Người gọi giấu tên, báo có người sốt cao ở [[ADR|phòng trọ số 6, hẻm 88 Lê Văn Thọ, phường 11, Gò Vấp]].",
    "Cấp cứu 115 nhận tin lúc [[D|0h12]], bn nam khoảng [[A|50 tuổi]] bất tỉnh trước [[ADR|cây xăng Petrolimex số 14, đường Láng]].",
    "Phiếu 115 số [[PID|115-2602-3391]], kíp xe số 3, BS [[P|Trương Văn Lộc]].",
    "Chị [[P|Yến]] (con bệnh nhân [[P|Đàm Thị Tươi]]) hỏi lại kết quả xét nghiệm, đã hướng dẫn tra cứu bằng mã BN [[PID|A26071193]].",
    "Người dân phản ánh rác thải y tế để ngoài cổng bệnh viện, đã chuyển phòng Hành chính.",
    "Số gọi lại: [[PH|02363.889.417]] (nhà riêng), giờ tiện nghe: sau [[D|17h]].",
    "KH hỏi giá gói khám sức khỏe tổng quát: nam 2.450.000đ, nữ 2.980.000đ.",
    "Cuộc gọi nhỡ lúc [[D|23:58]], gọi lại không liên lạc được, số [[PH|084 2266 019]].",
    "Ông [[P|Đới Văn Khang]] ở [[ADR|xã Vĩnh Tân, huyện Vĩnh Cửu]] gọi báo con trai bị rắn cắn, hướng dẫn sơ cứu và đến viện gần nhất.",
    "Thắc mắc về thủ tục cấp lại giấy chứng sinh cho cháu [[P|Hà My]], sinh [[D|15/11/2025]].",
    "Đường dây nóng Bộ Y tế 1900 9065 không thuộc tổng đài này, đã hướng dẫn người gọi.",
    "Mã cuộc gọi GH-55102 lưu ghi âm 30 ngày theo quy định.",
    "Bà [[P|Nguyễn Thị Bưởi]] gọi số [[PH|0915 05 22 67]] nhờ đặt lịch khám mắt sáng [[D|thứ Tư]].",
    "Người gọi là bạn trai của bệnh nhân, không cung cấp tên, chỉ hỏi tình trạng.",
    "Tư vấn viên [[P|Kiều Anh]], mã [[SID|CSKH-1408]], ghi nhận khiếu nại về thái độ bảo vệ.",
    "Người gọi [[P|Sùng A Chá]] nói tiếng Hmông, cần phiên dịch, hẹn gọi lại lúc [[D|9h]].",
    "KH [[P|Oanh]] cung cấp email [[EM|oanh.tran1986@yahoo.com]] để nhận kết quả.",
]

ITEMS += [
    "KH [[P|Trịnh Văn Bắc]] gọi từ số [[PH|0983 604 221]], nhờ gọi lại số bàn [[PH|(024) 3762 5108]].",
    "Người gọi đọc số BHYT [[BHYT|DN 4 79 7911 206 447]] và CCCD [[CCCD|079088011530]] để kiểm tra quyền lợi.",
    "Operator [[SID|CC-0718]] ghi nhận: ông [[P|Farid Rahman]] ([[LOC|Bangladesh]]) gọi [[PH|+880 1712 448 309]] hỏi đường đến viện.",
    "Chuyển máy bác sĩ trực ext. [[PH|4417]], không ai nghe, gọi tiếp [[PH|0931 778 225]].",
    "Điện thoại viên [[P|Nhung]] (mã [[SID|TV-2291]]) hẹn gọi lại người bệnh [[PID|BN 60017]] lúc [[D|15h30]].",
    "Người gọi báo số BHXH [[BHXH|0411882730]] bị sai năm sinh, hướng dẫn lên BHXH quận.",
    "sđt người gọi [[PH|0 9 4 5 - 3 3 1 - 0 8 8]], cuộc gọi bị cắt giữa chừng, gọi lại thuê bao không liên lạc được.",
]

ITEMS += [
    "Danh sách gọi lại: [[PH|0906 337 812]]; [[PH|0336.904.227]]; [[PH|84-91-556-7730]]; [[PH|0287 300 4418]] ext [[PH|52]].",
    "Người gọi [[P|Mã Thị Liễu]] xin số BS khoa Sản, đã cho số trực [[PH|0292 3821 733]] (số công khai của khoa).",
    "Tổng đài viên [[P|Quốc]] - mã [[SID|HL-0336]]; tổng đài viên [[P|Diệu]] - mã [[SID|HL-0341]]; ca [[D|6h - 14h]].",
    "Khách hàng phản ánh hồ sơ [[PID|BN 7120554]] bị ghi sai giới tính trên phiếu thu.",
    "Tổng đài tư vấn sức khỏe sinh sản 1800 6152 hoạt động cả ngày, miễn phí cước gọi.",
    "Ghi chú ca: nhiều cuộc gọi hỏi về vắc xin cúm mùa, giá 356.000đ/mũi.",
]
