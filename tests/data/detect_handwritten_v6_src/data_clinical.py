"""Clinical and nursing notes (v6, hand-written, blind)."""

GENRE = "clinical"
ITEMS = [
    "BN [[P|Lò Văn Pếnh]], [[A|61 tuổi]], vào khoa lúc [[D|03h40]] ngày [[D|9/2]], sốt 39,2 độ, SpO2 91%.",
    "[[PID|bn2381046]] - đau thượng vị 2 ngày, tiền sử loét dạ dày, cho PPI 40mg x 2 lần/ngày.",
    "Ghi nhận của ĐD [[P|Trịnh Thị Quế]]: [[D|22h15]] bệnh nhân kêu đau vết mổ, VAS 6/10, báo BS trực.",
    "Mạch 96 l/p, HA 100/60 mmHg, nhịp thở 22 l/p, nước tiểu 12 giờ khoảng 450 ml.",
    "Người nhà là con trai [[P|Đặng Quốc Vinh]] (sđt [[PH|0912 447 308]]) xin ký cam kết ra viện.",
    "Số bệnh án [[PID|BA-26-031775]], chẩn đoán K19 viêm phổi do vi khuẩn, ICD J15.9.",
    "bn [[P|ksor h'nhi]] [[A|34t]], nhà ở [[ADR|buôn Ea Kmát, xã Ea Tu]], vào viện vì ho ra máu.",
    "Xét nghiệm: Hb 8,4 g/dL, tiểu cầu 62 G/L, CRP 48 mg/L; truyền 1 đơn vị khối hồng cầu.",
    "Y lệnh của BS [[P|Hà Minh Tuấn]]: theo dõi DHST mỗi 2 giờ, thở oxy 3 lít/phút qua canula.",
    "Sáng [[D|14/02/2026]], bệnh nhân tỉnh, tiếp xúc tốt, ăn được cháo, đi lại nhẹ nhàng.",
    "Bà [[P|Nông Thị Slằm]], SN [[A|1957]], phát hiện tăng huyết áp từ [[D|năm 2019]], tự bỏ thuốc.",
    "Giường 14 phòng 6 khoa Nội tim mạch, chuyển từ Cấp cứu, chưa có kết quả men tim lần 2.",
    "mã BN [[PID|260118834]] - ngã xe máy ở [[ADR|dốc cầu Chương Dương]], chấn thương phần mềm vùng gối trái.",
    "Bé [[P|Bảo Châu]], [[A|11 tháng tuổi]], tiêu chảy 6 lần/ngày, mẹ là chị [[P|Lê Thị Kim Ánh]] chăm.",
    "Lúc [[D|16:20]] bệnh nhân tụt HA 80/50, tăng tốc độ dịch NaCl 0,9% 500ml/h, báo kíp trực.",
    "Nghi ngờ sốt xuất huyết ngày thứ 4, Hct 46%, tiểu cầu 38 G/L, không có dấu hiệu xuất huyết niêm.",
    "Mr. [[P|Daniel Whitmore]], [[A|63 years]], khách du lịch, ngất tại [[ADR|phố đi bộ Nguyễn Huệ]].",
    "ĐD [[P|Phương]] phát thuốc lúc [[D|20h]], bn từ chối uống Amlodipin 5mg vì chóng mặt.",
    "Khám lại sau 1 tuần, vết mổ khô, cắt chỉ xen kẽ, không sốt, không đau.",
    "Tiền sử: mổ ruột thừa [[D|tháng 8/2011]], dị ứng Penicillin, hút thuốc 20 bao-năm.",
    "Bệnh nhân [[P|Hồ Văn Lựu]] quê [[ADR|thôn Phú Lễ, xã Quảng Phú, huyện Quảng Điền]], [[LOC|Thừa Thiên Huế]], làm ruộng.",
    "cụ [[P|nguyen van chuc]] [[A|88t]] lú lẫn tăng dần từ [[D|cuối tháng 1]], con gái đưa vào khám.",
    "Hội chẩn khoa lúc [[D|10h30]] [[D|thứ Ba 10/3]], thống nhất mổ phiên.",
    "Đường máu mao mạch 14,6 mmol/L, tiêm Insulin nhanh 6 UI dưới da.",
    "BN số [[PID|B26-004412]] đã được giải thích nguy cơ, gia đình đồng ý phẫu thuật.",
    "Anh [[P|Tạ Đình Khôi]], công nhân [[ADR|công ty TNHH Điện tử Foster Đà Nẵng]], bị máy dập vào bàn tay phải.",
    "Khoa hết giường, bệnh nhân nằm ghép 2 người/giường, đã báo phòng Điều dưỡng.",
    "Ca đêm: không có bệnh nhân nặng, 2 bệnh nhân sốt nhẹ đã hạ sốt bằng Paracetamol 500mg.",
    "chị [[P|Giàng Thị Dua]] [[A|19 tuổi]], người Hmông, mang thai lần đầu 37 tuần, nhà ở [[ADR|bản Sín Chải, xã Tả Van]].",
    "Siêu âm: gan nhiễm mỡ độ II, túi mật có sỏi 12mm, không giãn đường mật.",
    "Tái khám hẹn ngày [[D|28/4]], mang theo sổ khám bệnh và phim X-quang cũ.",
    "BS ghi: ông [[P|Thái]] đêm qua ngủ được, sáng nay còn ho khạc đờm vàng.",
]

ITEMS += [
    "Người nhà liên lạc: vợ [[P|Lầu Thị Mỷ]] [[PH|0396 725 018]], con [[P|Lầu A Tủa]] [[PH|0329.118.560]].",
    "BN [[PID|BN4415237]] chuyển khoa Ngoại lúc [[D|11h20]], bàn giao ĐD [[P|Thương]] (mã NV [[SID|ĐD-2214]]).",
    "Số hồ sơ [[PID|NT-26-014239]], mã tiếp nhận [[PID|TN2603170045]], bn vào cấp cứu vì đau ngực trái.",
    "BS [[P|Cao Văn Lực]] (CCHN [[SID|011604/BYT-CCHN]]) chỉ định chụp CT bụng có cản quang.",
    "Đã gọi điện cho con gái theo số [[PH|0 912 660 134]], hẹn 15 phút nữa có mặt.",
    "ông [[P|ro cham ha]], [[A|60t]], người Chăm ở [[ADR|thôn Phước Nhơn, xã Phước Hải]], vào vì khó thở.",
    "Khám chuyên khoa RHM: sâu răng 36, 47, chỉ định nhổ răng 48 mọc lệch.",
]

ITEMS += [
    "Theo dõi đường huyết 4 lần/ngày trước ăn và trước ngủ, mục tiêu 6-10 mmol/L.",
    "Bệnh nhân dị ứng thuốc cản quang, đã ghi vào bìa hồ sơ bằng mực đỏ.",
    "Thay băng vết thương ngày 1 lần, dịch thấm băng ít, không mùi hôi.",
]
