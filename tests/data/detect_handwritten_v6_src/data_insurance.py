"""BHYT / insurance claim review notes (v6, hand-written, blind)."""

GENRE = "insurance"
ITEMS = [
    "Hồ sơ giám định số [[PID|GĐ-0326-7714]]: người bệnh [[P|Kim Thị Hoài]], thẻ [[BHYT|GD4010126307765]], xuất toán 1.240.000đ tiền thuốc.",
    "Mã số BHXH [[BHXH|7923015548]] - người lao động [[P|Đào Văn Trường]], đề nghị thanh toán trực tiếp.",
    "Lý do từ chối: chỉ định chụp MRI không phù hợp chẩn đoán M54.5.",
    "Giám định viên [[P|Tạ Thị Hằng]], mã GĐV [[SID|GDV-ĐN-031]], kiểm tra 248 hồ sơ nội trú quý I.",
    "Thẻ BHYT [[BHYT|CH 4 79 7933 021 556]] hết hạn [[D|31/12/2025]], BN chưa gia hạn khi vào viện [[D|5/1/2026]].",
    "Tổng chi phí KCB đợt điều trị 18.760.300đ, quỹ BHYT chi trả 15.008.240đ.",
    "Hồ sơ thanh toán trực tiếp [[PID|TTTT-2026-00419]] của bà [[P|Mạnh Thị Gấm]], SĐT [[PH|0967 440 215]].",
    "Số sổ BHXH: [[BHXH|4806 1127 93]]; CCCD: [[CCCD|079 300 118 462]].",
    "Trùng thẻ: [[BHYT|HT3010011556920]] và [[BHYT|HT3010011556921]] cùng mang tên [[P|Vương Thị Nhàn]], sinh [[D|09/09/1990]].",
    "Đề nghị cơ sở KCB giải trình 14 hồ sơ có ngày giường vượt định mức.",
    "Khám ngoài giờ hành chính không thuộc phạm vi thanh toán, người bệnh tự chi trả.",
    "Bồi thường bảo hiểm sức khỏe tư nhân, hồ sơ [[PID|BT-PVI-26-33081]], người được bảo hiểm [[P|Hoàng Anh Tuấn]], [[A|38 tuổi]].",
    "Thẻ của trẻ dưới 6 tuổi mã TE, cháu [[P|Lò Thị Diệp]], thẻ [[BHYT|TE1141437225018]].",
    "Tra cứu số định danh cá nhân [[CCCD|011201004539]] không khớp họ tên trên thẻ.",
    "Cán bộ BHXH [[P|Hầu Văn Pó]] (mã CB [[SID|BHXH-ĐB-0207]]) xác nhận đã điều chỉnh.",
    "Tỷ lệ hồ sơ bị từ chối thanh toán tháng 2 là 2,3%, chủ yếu sai mã ICD.",
    "Người thụ hưởng: [[P|Trần Thế Vinh]], BHXH số [[BHXH|0198 776 320]].",
    "Hồ sơ nghỉ thai sản của chị [[P|Dương Mỹ Lệ]], sinh con ngày [[D|2/2/2026]], số BHXH [[BHXH|3126 4417 05]].",
    "Nơi đăng ký KCB ban đầu: Trạm Y tế phường Bến Nghé, mã 79-024.",
    "Xuất toán dịch vụ kỹ thuật nội soi dạ dày thực hiện 2 lần trong 1 ngày.",
    "Chi phí vận chuyển người bệnh từ [[ADR|huyện Mèo Vạc]] lên tỉnh: 1.150.000đ, đủ điều kiện thanh toán.",
    "Bà [[P|Chẩu Thị Mỷ]] ([[A|70 tuổi]]) ở [[ADR|xã Lũng Cú, huyện Đồng Văn]], thẻ hộ nghèo [[BHYT|HN2020220064183]], miễn cùng chi trả.",
]

ITEMS += [
    "Mã hồ sơ giám định [[PID|GĐ-0426-1103]], [[PID|GĐ-0426-1104]], [[PID|GĐ-0426-1109]] thiếu chữ ký người bệnh.",
    "Người bệnh [[P|Phó Thị Xoan]], BHXH [[BHXH|2721 0043 66]], thẻ [[BHYT|NO 2 27 2721 004 366]], ĐT [[PH|0986 441 520]].",
    "Giám định viên [[P|Lê Quang Vũ]] (mã [[SID|GĐV-HN-112]]) và [[P|Hà Thị Thanh Tâm]] (mã [[SID|GĐV-HN-127]]) ký biên bản.",
    "Email phản hồi của cơ sở KCB: [[EM|phongkhth.bvnhi@ytehanoi.vn]], hạn [[D|30/4]].",
    "CCCD người lao động [[CCCD|025196003718]], BHXH [[BHXH|2522 7140 03]], đề nghị hưởng chế độ tai nạn lao động.",
]

ITEMS += [
    "Giám định viên [[P|Cầm Văn Doãn]] (mã GĐV [[SID|GĐV-SL-009]]), ĐT cơ quan [[PH|0212 3751 224]].",
    "Danh mục thuốc ngoài phạm vi hưởng đã được thông báo cho người bệnh trước khi sử dụng.",
]
