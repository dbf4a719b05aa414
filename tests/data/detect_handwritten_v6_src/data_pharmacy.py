"""Pharmacy notes (v6, hand-written, blind)."""

GENRE = "pharmacy"
ITEMS = [
    "Đơn thuốc số [[PID|ĐT-2603-11458]] - BN [[P|Kiều Thị Oanh]], [[A|59t]], kê Losartan 50mg x 30 viên.",
    "DSĐH [[P|Lại Thanh Tùng]] duyệt đơn, CCHN dược [[SID|1187/CCHN-D-SYT-BD]].",
    "Số lô 2511083, HD [[D|11/2027]], nhập 20 hộp Augmentin 1g từ kho chẵn.",
    "Cấp phát thuốc ngoại trú ca chiều: 146 đơn, 3 đơn trả lại do sai liều.",
    "Khách hỏi mua Tamiflu không có đơn, đã từ chối và hướng dẫn đến cơ sở y tế.",
    "Gọi lại cho người nhà bà [[P|Triệu Thị Mùi]] số [[PH|0976-552-130]] để đổi Insulin Mixtard hết hàng.",
    "Báo cáo ADR số [[PID|ADR-26-0093]]: bệnh nhân [[P|Lương Văn Kiên]] nổi mẩn toàn thân sau tiêm Ceftriaxone.",
    "Thuốc gây nghiện: Morphin 10mg/ml, tồn đầu ca 18 ống, xuất 4 ống, tồn cuối 14 ống.",
    "Dược sĩ [[P|phan thi my dung]] ca [[D|T7 28/3]] quên ký sổ giao ca.",
    "Đơn mua hộ: ông [[P|Hứa Văn Chiêu]] ([[A|77 tuổi]]) ở [[ADR|tổ 3 khu phố Long Tâm, TP Bà Rịa]] nhờ con gái lấy thuốc.",
    "Giá Atorvastatin 20mg là 3.200 đ/viên, BHYT thanh toán 100%.",
    "Trả lời bác sĩ khoa Nhi: Amoxicillin 250mg/5ml còn 12 chai, lô mới về [[D|thứ Hai]].",
    "Đơn thuốc N - mã đơn [[PID|0419A0071634-N]] - BN [[P|Cù Văn Hạnh]], Diazepam 5mg x 10 viên.",
    "Người nhận thuốc: [[P|Hồ Thị Ngát]], CCCD [[CCCD|045 176 009 218]].",
    "Hàng cận date: Vitamin K1 hạn [[D|04/2026]], đề nghị ưu tiên dùng trước.",
    "Nhà thuốc Phương Nam báo thu hồi lô Paracetamol 500mg theo công văn Cục Quản lý Dược.",
    "Dược sĩ trưởng [[P|Ninh Quốc Bảo]], số chứng chỉ hành nghề dược [[SID|0569/ĐNA-CCHND]].",
    "Tư vấn cho mẹ bé [[P|Sa]] cách pha Oresol: 1 gói với 200ml nước đun sôi để nguội.",
    "Kiểm kê tủ trực: thiếu 1 ống Adrenalin 1mg, đã lập biên bản.",
    "Đơn của bác [[P|Tường Vi]] thiếu chữ ký bác sĩ, giữ lại chờ khoa Khám bổ sung.",
    "Thuốc đã giao tận nhà cho ông [[P|Roberto Silva]] tại [[ADR|căn hộ 12.08 tòa S2, Vinhomes Grand Park, TP Thủ Đức]] lúc [[D|19h45]].",
    "Xuất trả nhà cung cấp 5 hộp Cefuroxim 500mg do vỏ hộp bị móp.",
    "Liên hệ đặt hàng: [[EM|duockhoa.bvdklongkhanh@gmail.com]] - chị [[P|Ly]] phòng vật tư.",
]

ITEMS += [
    "Đơn thuốc [[PID|DT-HN-26-0331447]] của bà [[P|Đinh Thị Lài]], thẻ BHYT [[BHYT|BT2010133740058]].",
    "DS [[P|Khúc Minh Phương]], CCHN dược [[SID|02911/CCHND-SYT-VP]], ĐT nhà thuốc bệnh viện [[PH|0211 3862 440]].",
    "Dược sĩ lâm sàng [[P|Âu Thị Thắm]] (mã NV [[SID|DLS-017]]) đề nghị chỉnh liều Vancomycin theo nồng độ đáy.",
    "Gọi nhắc bn [[PID|BN2609981]] lấy thuốc ARV, sđt [[PH|0372 00 41 65]], mã điều trị ARV [[PID|ARV-DN-04412]].",
    "Người lấy thuốc hộ: [[P|Sơn]], CMND [[CCCD|230 887 164]], số điện thoại [[PH|0327-448-901]].",
    "Khiếu nại gửi về [[EM|nhathuoc.tamkhang.q3@gmail.com]] đã được dược sĩ trưởng trả lời.",
]

ITEMS += [
    "Phiếu lĩnh thuốc cho bn [[PID|BN3390172]] và [[PID|BN3390175]], DS phát [[P|Hạ Thị Thơ]], mã [[SID|DS-0472]].",
    "DS [[P|Ung Văn Trí]], chứng chỉ [[SID|4411/CCHN-D-SYT-CT]], ĐT liên hệ [[PH|0292 3767 118]] máy lẻ [[PH|205]].",
    "Tồn kho Oxytocin 5 UI: 48 ống, bảo quản 2-8 °C, nhiệt độ tủ ghi nhận 5 °C.",
    "Đã hướng dẫn bệnh nhân cách dùng bút tiêm Insulin, xoay vòng vị trí tiêm quanh rốn.",
]
