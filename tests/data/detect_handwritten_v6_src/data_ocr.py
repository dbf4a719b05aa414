"""Scanned-form text, OCR-like: run-together fields, capital labels, odd spacing, ':' and '|' (v6, blind)."""

GENRE = "ocr_form"
ITEMS = [
    "HỌ VÀ TÊN:[[P|NGUYỄN THỊ DIỆU HIỀN]]  NĂM SINH:[[A|1984]]  GIỚI: Nữ",
    "HO TEN : [[P|LA VAN THUONG]] | TUOI : [[A|57]] | DAN TOC: Kinh",
    "ĐỊA CHỈ:[[ADR|Thôn Trung Hậu,Xã Tiền Phong,Huyện Mê Linh]],[[LOC|TP Hà Nội]]",
    "SỐ VÀO VIỆN: [[PID|2600 3187]]  KHOA: NỘI A  GIƯỜNG:12",
    "Mã BN:[[PID|1260094417]]|Mã BA:[[PID|26NT05528]]|Ngày vào:[[D|07/01/2026]]",
    "SỐ THẺ BHYT:[[BHYT|GD 4 01 0123 556 481]]  GIÁ TRỊ TỪ [[D|01/01/2026]] ĐẾN [[D|31/12/2026]]",
    "NƠI ĐKKCB BĐ: 01-062  | MỨC HƯỞNG: 80%",
    "ĐIỆN THOẠI:[[PH|0 9 8 2 3 1 7 4 4 6]]",
    "SĐT LIÊN HỆ ..... [[PH|0378/612/955]] ..... NGƯỜI LIÊN HỆ: [[P|Trần Thị Ngà]] (vợ)",
    "CCCD/CMND: [[CCCD|0010 8600 3321]]   NGÀY CẤP: [[D|22/04/2021]]   NƠI CẤP: Cục CS QLHC về TTXH",
    "MÃ SỐ BHXH:[[BHXH|0126335817]]",
    "CHẨN ĐOÁN VÀO VIỆN:Viêm phổi cộng đồng|J18.8|Tăng huyết áp|I10",
    "[[LOC|Hà Nam]], NGÀY [[D|1 6 THÁNG 0 3 NĂM 2 0 2 6]]   GIÁM ĐỐC (ký, đóng dấu)",
    "BÁC SĨ ĐIỀU TRỊ:[[P|Hoàng Minh Châu]] CCHN:[[SID|004721/HNO-CCHN]]",
    "GIỜ VÀO: [[D|10 : 35]]    NGÀY: [[D|14 / 03 / 2026]]",
    "KẾT QUẢ XÉT NGHIỆM|WBC 12.4|NEU 78%|HGB 131|PLT 245",
    "NGHỀ NGHIỆP:Công nhân NƠI LÀM VIỆC:[[ADR|Công ty CP Thép Hòa Phát Hải Dương]]",
    "HỌTÊN NGƯỜIBỆNH:[[P|Mùa Thị Xuyên]]TUỔI:[[A|23]]ĐC:[[ADR|Bản Pá Khôm,xã Chiềng Khoi]]",
    "PHIẾU KHÁM BỆNH VÀO VIỆN - Trang 1/3",
    "SỐ LƯU TRỮ:[[PID|LT.2026.004415]]   MÃ Y TẾ: [[PID|26041188]]",
    "NGƯỜI NHÀ (khi cần báo tin): [[P|PHÙNG VĂN TỴ]] - [[ADR|SỐ 3 NGÕ 17 PHỐ HÀNG CHIẾU]] - ĐT: [[PH|024 3828 1196]]",
    "EMAIL:[[EM|tuyhung.phung@outlook.com]]",
    "MẠCH:88 l/ph  NHIỆT ĐỘ:37.8 °C  HUYẾT ÁP:130/85 mmHg  CÂN NẶNG:62 kg",
    "ĐIỀU DƯỠNG:[[P|Quàng Thị Én]]|MÃ NV:[[SID|ĐD0781]]|KÝ:........",
    "GIẤY CHỨNG NHẬN NGHỈ VIỆC HƯỞNG BHXH Số:[[PID|0157/GCN]] Mã số BHXH:[[BHXH|2723 6610 49]]",
    "Ho ten:[[P|DINH THI THUY]]   Ngay sinh:[[D|12 - 10 - 1993]]   So CCCD:[[CCCD|037193008862]]",
    "TRÍCH BIÊN BẢN HỘI CHẨN | Số: [[PID|HC-26/114]] | Thời gian: [[D|15h00]] ngày [[D|20/3/2026]]",
    "DƯỢC SĨ PHÁT THUỐC:[[P|Bùi Kim Ngân]] Số CCHND:[[SID|3308/CCHN-D-SYT-HNO]]",
    "Lot No: 250914 | EXP: [[D|09/2028]] | Giá: 45.000đ | SL: 02 hộp",
    "PHÒNG: 214   BUỒNG: 3   TẦNG: 2 - KHU NHÀ C",
    "Nơi sinh:[[ADR|Phường Hạ Long,TP Nam Định]]|Quốc tịch:[[LOC|Việt Nam]]",
    "LIÊN HỆ KHẨN: [[PH|(+84)912-003-587]] / [[PH|0226.3852.774]] ext.[[PH|106]]",
]

ITEMS += [
    "SĐT:[[PH|0944 217 630]]|SĐT NGƯỜI NHÀ:[[PH|0357217630]]|EMAIL:[[EM|vanthuong.la@gmail.com]]",
    "MÃ BN : [[PID|BN-26-0034410]]   SỐ PHIẾU : [[PID|PK 2603 1188]]",
    "Người lập phiếu:[[P|TRẦN VĂN ĐỨC]]  Mã NV:[[SID|NV0921]]  CCHN:[[SID|005817/BG-CCHN]]",
    "SỐ GIẤY CHUYỂN:[[PID|412/GCT-TTYT]]|NGÀY:[[D|29/01/2026]]|BS CHUYỂN:[[P|Chu Văn Sơn]]|CCHN:[[SID|001973/BN-CCHN]]",
    "SỐ THẺ : [[BHYT|CK 2 01 0127 417 669]]   HẠN : [[D|12/2026]]",
    "Điện thoại:[[PH|0 2 0 4 . 3 8 5 4 . 1 1 7]]   Fax:[[PH|0204.3854.118]]",
    "KHOA PHÒNG: Nội tiết | BS: [[P|Mẫn Thị Lý]] | MÃ CB: [[SID|YS-3390]] | CCHN: [[SID|0007715/HD-GPHN]]",
]

ITEMS += [
    "BỆNH VIỆN ĐA KHOA TỈNH PHÚ THỌ | KHOA KHÁM BỆNH | MS: 01/BV-01",
    "NGƯỜI BỆNH KÝ TÊN:..........  BÁC SĨ KHÁM:..........",
    "MÃ HS:[[PID|HS.26.077183]]|ĐT BN:[[PH|0866-224-519]]|ĐT NGƯỜI NHÀ:[[PH|0866 224 591]]",
]
