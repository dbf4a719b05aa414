"""Referral letters (giấy chuyển tuyến, giấy chuyển viện). Markup: [[CODE|span]]."""

GENRE = "referral"

ITEMS = [
    "GIẤY CHUYỂN TUYẾN KHÁM BỆNH, CHỮA BỆNH BẢO HIỂM Y TẾ\nSố: [[PID|0612/GCT-TTYT]]",
    "Kính gửi: Bệnh viện Đa khoa tỉnh Phú Thọ",
    "Trung tâm Y tế huyện Thanh Sơn trân trọng giới thiệu người bệnh: [[P|Hà Thị Mơ]]   Nam/Nữ: Nữ   Tuổi: [[A|54]]",
    "Địa chỉ: [[ADR|khu Dụ, xã Tân Minh, huyện Thanh Sơn]], [[LOC|Phú Thọ]]. Dân tộc: Mường.",
    "Số thẻ BHYT: [[BHYT|HN2250121377904]]  Hạn sử dụng: [[D|31/12/2026]]",
    "Đã được khám bệnh, điều trị tại: khoa Nội từ ngày [[D|04/02/2026]] đến ngày [[D|07/02/2026]].",
    "Dấu hiệu lâm sàng: đau ngực trái, khó thở, phù 2 chi dưới.\nKết quả XN: Troponin T hs 98 ng/L, NT-proBNP 4.200 pg/mL.",
    "Chẩn đoán: Suy tim mạn đợt mất bù (I50.0) / Bệnh tim thiếu máu cục bộ (I25.9).",
    "Lý do chuyển tuyến: Đủ điều kiện chuyển tuyến - vượt quá khả năng chuyên môn.",
    "Chuyển tuyến hồi [[D|15 giờ 30]], ngày [[D|07 tháng 02 năm 2026]]; phương tiện: xe cứu thương, người hộ tống: ĐD [[P|Đinh Văn Lợi]].",
    "Y, bác sĩ khám, điều trị: BS [[P|Nguyễn Thị Thanh Vân]] (CCHN [[SID|004519/PT-CCHN]])",
    "giay chuyen vien so [[PID|88-26/CV]], bn [[P|Pham Thi Nu]] [[A|23t]], chuyen BV Phu san TW vi tien san giat nang.",
    "Người bệnh [[P|Lê Văn Tý]] (con), mẹ là [[P|Lê Thị Ẩn]], hộ khẩu [[ADR|xóm 5, xã Nghi Thạch, huyện Nghi Lộc]], [[LOC|Nghệ An]].",
    "Giấy chuyển tuyến số [[PID|257/GCT-BVĐKKV]] có giá trị sử dụng đến hết ngày [[D|31/12/2026]].",
    "Tình trạng người bệnh lúc chuyển tuyến: tỉnh, M 110 l/p, HA 100/60, SpO2 95% (thở oxy 3 l/p).",
    "Chuyển BN lên BV Chợ Rẫy theo yêu cầu của gia đình (không đúng tuyến).",
    "BN [[P|Thạch Thị Chanh Đa]], [[A|41 tuổi]], người Khmer, trú [[ADR|ấp Prey Chóp, xã Lai Hòa, TX Vĩnh Châu]], [[LOC|Sóc Trăng]].",
    "Số hồ sơ: [[PID|2026.0087]]; mã chuyển tuyến: [[PID|CT-94001-26-0311]].",
    "Bs chỉ định chuyển: [[P|Trần Ngọc Bảo]] - mã NV [[SID|BS.0391]] - sđt [[PH|0984 006 215]].",
    "Người bệnh đang dùng thuốc: Furosemid 40mg 1 ống TM, Spironolacton 25mg 1 viên.",
    "chuyen tuyen luc [[D|21h50]] ngay [[D|9/2]], BN [[P|k'ho ha nien]] [[A|16t]], nga cay tu do cao 5m tai [[ADR|ray ca phe thon 3, xa Loc Bac]].",
    "Hồ sơ kèm theo: phim XQ ngực 02 tấm, CT sọ 01 đĩa, tóm tắt bệnh án 01 bản.",
    "Giấy chuyển viện của [[PID|BN26-1187]] gửi kèm kết quả PCR, mã mẫu XN-4471.",
    "Người đưa đi: chồng là anh [[P|Lù Văn Sênh]], CCCD [[CCCD|012095001836]], ĐT [[PH|0 3 8 8 . 5 0 2 . 7 1 9]].",
    "Kính chuyển: Bệnh viện Nhi Trung ương - Khoa Sơ sinh.\nNgười bệnh: con bà [[P|Đặng Thị Hồng Nhung]], sinh lúc [[D|03h12]] ngày [[D|11/02/2026]], cân nặng 1.600g.",
    "Apgar 5/7, suy hô hấp sau sinh, thở CPAP, FiO2 40%.",
    "Giám đốc TTYT: BSCKII [[P|Vương Đình Khải]], ký ngày [[D|11/2/2026]].",
    "GCT số [[PID|1044/2026]] - BN [[P|Sùng A Páo]], [[A|60 tuổi]], mổ cấp cứu thoát vị bẹn nghẹt, chuyển sau mổ.",
    "Nơi chuyển đến: Bệnh viện Đa khoa Trung ương Thái Nguyên, khoa Ngoại tổng hợp.",
    "Lý do: người bệnh cần chụp MRI, tuyến huyện chưa có máy.",
    "Ghi chú của y tế xã: BN ở cùng nhà với con gái [[P|Cúc]] tại [[ADR|làng Đê Kjiêng, xã Ia Khươl]], đi lại khó khăn.",
    "Tuyến trên đề nghị trả lời qua số [[PH|0269.3824.665]] nhánh [[PH|105]] hoặc email [[EM|khth.ttytchupah@gmail.com]].",
    "BN chuyển từ BV Quận 8 lúc [[D|08:40]] [[D|12/02/2026]], số phiếu chuyển [[PID|Q8-CV-0219]].",
    "Phiếu tóm tắt thông tin điều trị kèm theo do BS [[P|Âu Dương Phong]] ký, CCHN [[SID|032541/BYT-CCHN]].",
    "Người bệnh [[P|Bế Văn Thiêm]] (Tày) [[A|49t]], [[ADR|thôn Nà Mạ, xã Quang Trọng]], chuyển BV tỉnh Cao Bằng.",
]

ITEMS += [
    "Kíp chuyển: BS [[P|Đoàn Minh Trí]] CCHN [[SID|002637/BĐ-CCHN]], ĐD [[P|Hồ Thị Thắm]] mã NV [[SID|ĐD-071]]; liên hệ trên xe [[PH|0256 3 822 114]].",
    "Số giấy chuyển tuyến [[PID|418/2026/GCT]] - BN [[P|Y Nuê Kbuôr]], [[A|35 tuổi]], ĐT người nhà [[PH|0262-3855-771]].",
    "BS tiếp nhận tại tuyến trên: [[P|Kpă Thị Ngoan]], CCHN [[SID|001287/GL-CCHN]], đã xác nhận qua điện thoại [[PH|0978-014-662]].",
    "Giấy chuyển tuyến có giá trị 01 lần khám, chữa bệnh; đề nghị tuyến trên thông báo kết quả điều trị.",
    "Phiếu chuyển viện [[PID|PCV-26-0077]] - BN đã ký cam kết tự túc phương tiện.",
]
