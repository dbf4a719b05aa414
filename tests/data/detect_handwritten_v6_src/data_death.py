"""Death certificates and death reports (v6, hand-written, blind)."""

GENRE = "death"
ITEMS = [
    "GIẤY BÁO TỬ số [[PID|027/GBT-TTYT]] - Họ và tên người chết: [[P|Lục Văn Đình]].",
    "Ngày, tháng, năm sinh: [[D|14/06/1941]]; giới tính: Nam; dân tộc: Nùng.",
    "Nơi cư trú cuối cùng: [[ADR|thôn Bản Chang, xã Thụy Hùng, huyện Văn Lãng]], [[LOC|Lạng Sơn]].",
    "Đã chết vào lúc [[D|02 giờ 20 phút]], ngày [[D|27 tháng 12 năm 2025]], tại nhà.",
    "Nguyên nhân chết: ngừng tuần hoàn do suy tim giai đoạn cuối (I50.9).",
    "Số CCCD của người chết: [[CCCD|020041003358]].",
    "Người khai tử: [[P|Lục Thị Hiền]], quan hệ: con gái, điện thoại [[PH|0359 118 402]].",
    "Phiếu chẩn đoán nguyên nhân tử vong số [[PID|TV-26/0018]], người lập: BS [[P|Vi Đức Lâm]], CCHN [[SID|007213/LS-CCHN]].",
    "Tử vong trước khi đến viện, đã tiến hành hồi sinh tim phổi 30 phút không kết quả.",
    "Bệnh nhân [[P|Đinh Công Tráng]], [[A|49 tuổi]], tử vong lúc [[D|18:05]] [[D|12/01/2026]] do sốc nhiễm khuẩn.",
    "Nơi chết: tại Khoa Hồi sức tích cực, Bệnh viện Đa khoa tỉnh Hà Giang.",
    "Báo cáo tử vong tuần 3: 4 trường hợp, trong đó 2 ca do đột quỵ, 1 ca do tai nạn giao thông, 1 ca do ung thư.",
    "Trẻ sơ sinh con sản phụ [[P|Thào Thị Ly]], tử vong ngày [[D|3/1]] sau sinh 2 giờ, cân nặng 1.100g.",
    "Tử vong ngoại viện: cụ bà [[P|hà thị lý]], [[A|93 tuổi]], mất tại nhà [[ADR|số 14 đường Trần Phú, phường Lộc Thọ, TP Nha Trang]].",
    "Nguyên nhân trực tiếp: xuất huyết não; nguyên nhân góp phần: tăng huyết áp không điều trị.",
    "Số đăng ký khai tử tại UBND xã: quyển 01/2026, số 009.",
    "Ghi chú pháp y: nạn nhân nam chưa rõ danh tính, khoảng [[A|30-35 tuổi]], phát hiện tại [[ADR|bãi đá sông Hồng, chân cầu Long Biên]] sáng [[D|6/3]].",
    "Tóm tắt: bn [[PID|BN0265113]] vào viện [[D|1/3]], chẩn đoán nhồi máu não diện rộng, mất [[D|4/3]].",
    "Giấy chứng tử cấp cho gia đình, bản sao lưu tại phòng Kế hoạch tổng hợp.",
    "Thân nhân: [[P|A Hờ]] (con trai), làm rẫy ở [[ADR|làng Kon Brẫy, xã Đăk Rơ Wa, TP Kon Tum]].",
    "Thời điểm tử vong theo người nhà: khoảng [[D|3h]] sáng [[D|mùng 2 Tết]] âm lịch.",
    "Tỷ lệ tử vong nội viện tháng này 0,8%, giảm so với cùng kỳ.",
    "Người xác nhận: Điều dưỡng trưởng [[P|Lý Thị Sen]], mã NV [[SID|ĐD-1092]].",
]

ITEMS += [
    "Số hồ sơ tử vong [[PID|HS-TV-26-0041]], mã BN [[PID|B2600711]], người chết [[P|Kpuih Blơi]], [[A|38 tuổi]].",
    "Thẻ BHYT của người chết: [[BHYT|GB 4 64 6402 117 385]]; mã số BHXH [[BHXH|6402117385]].",
    "Người báo tin: [[P|Rơ Châm Bliu]], ĐT [[PH|0354 902 117]], CCCD [[CCCD|064 190 005 532]].",
    "Bác sĩ xác nhận tử vong [[P|Đặng Đình Quân]], chứng chỉ [[SID|0021744/GL-CCHN]], lúc [[D|4h50]].",
]

ITEMS += [
    "Bác sĩ trực [[P|Lục Thị Vân Anh]] (CCHN [[SID|0031508/CB-CCHN]], mã NV [[SID|BS-0093]]) lập biên bản, báo người nhà qua [[PH|0966 118 052]] và [[PH|0206 3852 470]].",
    "Biên bản kiểm thảo tử vong được lưu cùng hồ sơ bệnh án theo quy định.",
]
