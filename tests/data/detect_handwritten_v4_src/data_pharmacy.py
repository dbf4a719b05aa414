"""Pharmacy notes (đơn thuốc, sổ bán thuốc, phiếu lĩnh, báo cáo ADR). Markup: [[CODE|span]]."""

GENRE = "pharmacy"

ITEMS = [
    "Đơn thuốc số [[PID|DT-26-044719]] - Họ tên: [[P|Quan Thị Tuyết]], [[A|38 tuổi]], cân nặng 52kg.",
    "1. Amoxicillin/Clavulanic 500/125mg x 14 viên, ngày uống 2 lần, mỗi lần 1 viên sau ăn.",
    "2. Paracetamol 500mg x 10 viên, uống khi sốt > 38,5 độ, cách nhau ít nhất 4-6 giờ.",
    "Bác sĩ kê đơn: [[P|Phó Đức Nghĩa]] - CCHN [[SID|008127/HNO-CCHN]]",
    "Nhà thuốc Tâm Đức - Dược sĩ phụ trách chuyên môn: DS [[P|Trình Thị Hảo]], CCHND số [[SID|2236/CCHN-D-SYT-HNO]].",
    "Địa chỉ nhà thuốc: [[ADR|số 112 đường Cầu Giấy, phường Quan Hoa]], [[LOC|Hà Nội]]; ĐT [[PH|024 3767 5218]].",
    "Số lô: 2405117, HSD: [[D|08/2027]]; NSX: Công ty CP Dược Hậu Giang.",
    "Khách mua Augmentin không có đơn, đã từ chối bán và tư vấn đi khám.",
    "so ban thuoc [[D|14/4]]: khach chi [[P|Lan]] mua Salbutamol 2mg x 20v cho con, sdt [[PH|0965-218-307]].",
    "Khách ông [[P|Tư]] ([[ADR|hẻm 19 Bà Hạt, quận 10]]) lấy lại thuốc huyết áp tháng trước: Losartan 50mg x 30v.",
    "BÁO CÁO PHẢN ỨNG CÓ HẠI CỦA THUỐC (ADR) - Mã báo cáo: [[PID|ADR-26-0312]]",
    "Người bệnh: [[P|N.T.M.]], nữ, [[A|27t]], mã BN [[PID|26-077301]], khoa Sản.",
    "Thuốc nghi ngờ: Ceftriaxon 1g (lô 3011224), dùng [[D|10h20]] ngày [[D|16/4/2026]]; phản ứng sau 5 phút: mẩn ngứa, khó thở, HA 80/50.",
    "Xử trí: Adrenalin 0,5mg TB, Methylprednisolon 40mg TM; người bệnh hồi phục lúc [[D|11h]].",
    "Người báo cáo: DS [[P|Kiều Thị Vân Anh]] - khoa Dược - email [[EM|vananh.kieu.ds@gmail.com]]",
    "Phiếu lĩnh thuốc gây nghiện: Morphin 10mg/ml x 20 ống, khoa Ung bướu, người lĩnh ĐD [[P|Bạch Văn Tùng]] (mã NV [[SID|NV-1834]]).",
    "Dược sĩ lâm sàng khuyến cáo giảm liều Vancomycin do ClCr 28 ml/phút, theo dõi nồng độ đáy 15-20 mcg/mL.",
    "Đơn thuốc điện tử mã [[PID|01HNO0093417-c]] đã liên thông lên hệ thống Đơn thuốc quốc gia.",
    "Khách hàng [[P|Hoàng Minh Nhật]] đặt online, giao về [[ADR|tòa S2.05 Vinhomes Smart City, Tây Mỗ]], SĐT [[PH|+84 (0) 39 742 1186]].",
    "Tư vấn: thuốc dùng sau ăn no, không uống cùng sữa, tránh ra nắng khi dùng Doxycyclin.",
    "dsdh [[P|le thi kim chi]] ban le ca chieu [[D|thu 7]], doanh thu 4.250.000d.",
    "Khách quen bà [[P|Tám]] ở [[ADR|chợ Xóm Chiếu]], mua Omeprazol 20mg hàng tháng, đã nhắc đi nội soi dạ dày.",
    "Kiểm kê kho [[D|30/04/2026]]: thiếu 2 hộp Diazepam 5mg, lập biên bản báo cáo.",
    "Người lập biên bản: DS [[P|Đồng Văn Quyết]], CCHN [[SID|03417/CCHN-D-SYT-BN]]; chứng kiến: [[P|Tiết Thị Sáu]].",
    "Đơn số [[PID|0184/ĐTN]] - thuốc kê cho BN [[P|Lạc Văn Bảy]], [[A|70t]], HIV, phác đồ TLD 1 viên/ngày.",
    "Cấp thuốc ARV 3 tháng cho mã điều trị [[PID|OPC-ĐN-02271]], hẹn lĩnh lại [[D|20/7]].",
    "Nhà thuốc tiếp nhận phản ánh: khách [[P|Diệp]] nói thuốc Panadol mua ngày [[D|2/5]] bị ẩm, đã đổi hộp mới.",
    "Thông tin thuốc: Insulin Glargine 100 UI/ml, bút 3ml, bảo quản 2-8 độ C, sau mở nắp dùng trong 28 ngày.",
    "Dược sĩ [[P|Pham Huu Loc]] (CCHN so [[SID|4921/CCHN-D-SYT-CT]]) xac nhan da kiem tra don cua khach.",
    "Cảnh báo tương tác: Clarithromycin + Simvastatin - nguy cơ tiêu cơ vân, đề nghị BS đổi thuốc.",
    "Giao thuốc tận nhà cho cô [[P|Nguyệt]], [[ADR|kiệt 88 Hải Phòng, Thạc Gián, Thanh Khê]], gọi trước [[PH|0 905 773 214]].",
    "Quầy thuốc Minh Tâm - GĐKKD số 2131/ĐKKDD-SYT, chủ quầy DSTH [[P|Giáp Thị Nguyên]] (CCHND [[SID|1558/CCHN-D-SYT-BG]]).",
    "Thuốc Tamiflu 75mg hết hàng từ [[D|đầu tháng 5]], đã đặt thêm 50 hộp.",
    "Ghi chú kho: nhiệt độ tủ lạnh 4,5 độ, độ ẩm phòng 62%, đạt yêu cầu GSP.",
    "Đơn thuốc N: BS [[P|Thân Văn Hậu]] kê Tramadol 50mg x 10 viên cho BN [[P|Mạc Thị Út]], số đơn [[PID|N-26-00385]].",
    "Dược sĩ trực: [[P|Thái Ngọc Hà]], mã nhân viên [[SID|DS0217]], ca [[D|19h - 7h]].",
    "Khách xin mua kháng sinh cho con [[A|2 tuổi]] ho 3 ngày, tư vấn đến khám nhi.",
]

ITEMS += [
    "Người bán: DS [[P|Nghiêm Văn Khôi]], CCHND [[SID|0572/CCHN-D-SYT-QNI]]; DS [[P|Thạch Thị Mỹ]], CCHND [[SID|1903/CCHN-D-SYT-ST]].",
    "Phiếu xuất kho số PX-0412 cấp cho khoa Ngoại, không ghi tên người bệnh.",
    "Khách gọi đặt thuốc qua hotline nhà thuốc 1800 6821, để lại số cá nhân [[PH|0912 030 448]] và email [[EM|thanhxuan.pharm.kh@gmail.com]].",
    "Dược sĩ [[P|Mai Thanh Sơn]] - mã nhân viên [[SID|KD-DS-0093]] - kiểm nhập lô hàng ngày [[D|6/5]].",
    "Giấy phép hành nghề số [[SID|000912/HCM-GPHN]] của BS [[P|Đặng Vĩnh Lộc]] được kiểm tra khi xác nhận đơn thuốc gây nghiện.",
    "Đơn thuốc N số [[PID|N26.01182]] và [[PID|N26.01183]] cấp cho cùng BN trong 1 ngày, dược sĩ báo lại BS.",
]
ITEMS += [
    "ds phu trach: [[P|luu thi hong gam]] - cchn [[SID|05/CCHN-D-SYT-TB]], nv ban hang: [[P|Tuấn]] (ma [[SID|NT07]]).",
]
