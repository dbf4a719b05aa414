"""Discharge letters (giấy ra viện, tóm tắt hồ sơ ra viện). Markup: [[CODE|span]]."""

GENRE = "discharge"

ITEMS = [
    "GIẤY RA VIỆN\nSố: [[PID|2391/GRV-BVĐK]]\nHọ tên người bệnh: [[P|TRƯƠNG THỊ KIM OANH]]   Tuổi: [[A|47]]   Nữ",
    "Dân tộc: Kinh. Nghề nghiệp: buôn bán.\nĐịa chỉ: [[ADR|số 27 ngõ 158 Ngọc Hà, phường Ngọc Hà]], [[LOC|Hà Nội]]",
    "Mã số BHYT: [[BHYT|GD4010129836641]]   Giá trị từ [[D|01/01/2026]] đến [[D|31/12/2026]]",
    "Vào viện lúc: [[D|10 giờ 05 phút]], ngày [[D|02/02/2026]]\nRa viện lúc: [[D|09 giờ 00 phút]], ngày [[D|09/02/2026]]",
    "Chẩn đoán: Viêm ruột thừa cấp đã phẫu thuật nội soi (K35.8).",
    "Phương pháp điều trị: phẫu thuật nội soi cắt ruột thừa, kháng sinh, giảm đau.",
    "Ghi chú: tái khám sau 7 ngày hoặc khi có dấu hiệu bất thường, cắt chỉ tại y tế cơ sở.",
    "Ngày [[D|09 tháng 02 năm 2026]]\nTrưởng khoa\nBSCKI [[P|Quách Văn Tuân]]",
    "Mã y tế: [[PID|26.0041.772]]  Số lưu trữ: [[PID|K35/0214]]",
    "Giám đốc bệnh viện (ký, đóng dấu) - TS. [[P|Đỗ Mạnh Cường]]",
    "TÓM TẮT HỒ SƠ BỆNH ÁN - BN [[P|Lâm Quốc Huy]], [[A|29t]], mã BA [[PID|BA26-000917]].",
    "Lý do vào viện: sốt, đau bụng quanh rốn 2 ngày.",
    "Kết quả GPB: viêm ruột thừa mủ, không có tế bào ác tính.",
    "Tình trạng ra viện: BN tỉnh, không sốt, vết mổ liền tốt, ăn uống bình thường.",
    "Giấy ra viện của cháu [[P|Giàng Thị Pà]] ([[A|11 tháng tuổi]]), mẹ [[P|Vừ Thị Súa]], trú [[ADR|bản Huổi Lếch, xã Mường Nhé]], [[LOC|Điện Biên]].",
    "Cháu vào viện [[D|18/01]], ra viện [[D|27/01]]; chẩn đoán: viêm phổi nặng / suy dinh dưỡng thể thấp còi.",
    "Lời dặn: cho bé bú mẹ, ăn dặm đủ chất, tiêm chủng theo lịch.",
    "giay ra vien so [[PID|445/GRV]] - bn [[P|duong van hieu]], [[A|66t]], dia chi [[ADR|ap Tan Hoa, xa Tan Thanh, huyen Cho Gao]], [[LOC|Tien Giang]]",
    "chan doan: nhoi mau nao ban cau trai / THA. ra vien ngay [[D|5-3-2026]], chuyen PHCN tai TTYT huyen.",
    "Người bệnh [[P|Ma Thị Chinh]], Năm sinh: [[A|1979]], CCCD: [[CCCD|010179004528]]; vào viện [[D|14/3]], ra viện [[D|20/3]].",
    "Bác sĩ điều trị: ThS.BS [[P|Kha Minh Triết]] - CCHN: [[SID|0017254/HCM-CCHN]]",
    "Điều dưỡng hành chính: [[P|Tăng Thị Mỹ]] - ĐT khoa: [[PH|(028) 3957 4120]]",
    "Giấy ra viện số [[PID|3318/GRV-BVTN]] cấp ngày [[D|21-3-2026]] cho ông [[P|Sơn Ngọc Thành]], người Khmer, [[A|73 tuổi]].",
    "Địa chỉ: [[ADR|khóm 3, phường 7, TP Trà Vinh]], [[LOC|tỉnh Trà Vinh]]. Người liên hệ: con dâu [[P|Kim Thị Sophal]] [[PH|0299 3861 447]].",
    "Kết quả điều trị: Đỡ, giảm. Tình trạng ra viện: huyết động ổn, không khó thở.",
    "Phương pháp: thở oxy, kháng sinh Meropenem 1g x 3 lần/ngày x 10 ngày, lợi tiểu.",
    "Số ngày điều trị: 12 ngày. Đề nghị: theo dõi ngoại trú tại phòng khám Tim mạch.",
    "TÓM TẮT RA VIỆN (bản dịch) - Patient: [[P|Maria Gonzalez]], [[A|58 years]], nationality [[LOC|Tây Ban Nha]], passport no. on file.",
    "Bà [[P|Gonzalez]] ra viện sáng [[D|22/03/2026]], bay về nước qua [[ADR|sân bay Cam Ranh]] theo lịch của công ty du lịch.",
    "Liên hệ khoa Quốc tế: [[EM|intl.dept@bvquocte-khanhhoa.vn]], ĐT [[PH|0258 3822 915]] (giờ hành chính).",
    "Người nhà cần liên hệ: anh [[P|Hùng]] - [[PH|091 225 83 67]] / email [[EM|hung.tranvan77@gmail.com]]",
    "GIẤY RA VIỆN (bản sao) - BN [[P|Ngọc]], vào viện [[D|3/3]], ra [[D|10/3]], mã BN [[PID|N26-30114]].",
    "Chẩn đoán ra viện: Sốt xuất huyết Dengue có dấu hiệu cảnh báo (A97.1), đã ổn định.",
    "Lời dặn: uống nhiều nước, ngủ màn, tái khám ngay nếu chảy máu chân răng, đau bụng, nôn nhiều.",
    "ra vien [[D|16h]] [[D|27/3]], bn tu ve, nguoi nha la ba [[P|Sen]] ky nhan giay.",
    "Bệnh viện không tính phí giường ngày [[D|28/3]] do người bệnh ra viện trước [[D|10h]].",
]

ITEMS += [
    "Bác sĩ ký giấy ra viện: [[P|Cung Văn Hạnh]] - Giấy phép hành nghề số [[SID|002208/ĐNA-GPHN]].",
    "Số vào viện: [[PID|26001274]] - Số ra viện: [[PID|RV26-01274]] - Mã lưu trữ: [[PID|LT.0512.26]].",
    "Mọi thắc mắc xin liên hệ phòng KHTH: [[PH|0292 3820 071]] (máy lẻ [[PH|108]]) hoặc tổng đài 1900 2115.",
    "Điều dưỡng hướng dẫn: [[P|Lê Thị Bé Ba]], mã NV [[SID|DDK-2290]].",
]
