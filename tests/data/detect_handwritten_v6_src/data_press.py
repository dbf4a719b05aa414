"""Press case reports: epidemics, food poisoning, accidents, dengue, measles (v6, hand-written, blind)."""

GENRE = "press"
ITEMS = [
    "Chiều [[D|12/3]], CDC Đắk Lắk cho biết đã ghi nhận thêm 14 ca sởi, nâng tổng số ca từ đầu năm lên 219.",
    "Bệnh nhi [[P|H.T.N.]] ([[A|3 tuổi]], trú [[ADR|xã Cư Né, huyện Krông Búk]]) chưa tiêm vắc xin sởi, nhập viện trong tình trạng viêm phổi.",
    "Ca bệnh [[PID|1.318]] là nam, [[A|27 tuổi]], làm việc tại [[ADR|khu công nghiệp Quang Minh]], có triệu chứng sốt từ ngày [[D|2/3]].",
    "Vụ ngộ độc sau tiệc cưới tại [[ADR|thôn Đồng Vạng, xã Tiến Thắng]] khiến 47 người nhập viện, trong đó 5 người nặng.",
    "Theo Sở Y tế, mẫu thức ăn gồm gỏi cá, nem chua đã được gửi đi xét nghiệm, chưa có kết quả.",
    "Nạn nhân là anh [[P|Quách Văn Tiến]] ([[A|35 tuổi]], ngụ [[ADR|phường Long Bình Tân, TP Biên Hòa]]).",
    "Vụ tai nạn xảy ra khoảng [[D|21h30]] ngày [[D|14/2]] trên [[ADR|đường Võ Nguyên Giáp, đoạn qua phường Phước Mỹ]].",
    "Năm nay, [[LOC|TP.HCM]] ghi nhận 8.421 ca sốt xuất huyết, giảm 12% so với cùng kỳ.",
    "Bệnh nhân thứ [[PID|73]] là cụ ông [[A|81 tuổi]] ở [[ADR|quận Bình Tân]], có bệnh nền đái tháo đường.",
    "Ông [[P|Võ Thành Sang]], Phó giám đốc Sở Y tế, cho hay ổ dịch ở [[ADR|ấp Mỹ Hòa 2]] đã được khoanh vùng.",
    "Các bệnh nhân [[PID|BN 5512]], [[PID|BN 5513]] và [[PID|BN 5519]] là thành viên cùng một gia đình.",
    "Nhóm học sinh [[ADR|trường THCS Lý Tự Trọng]] có biểu hiện đau bụng, nôn sau khi ăn bánh mì mua trước cổng trường.",
    "Chị [[P|Đỗ Thị Huyền Trang]], mẹ cháu bé, kể: đêm [[D|27 tháng Chạp]] bé sốt cao, co giật.",
    "Ghi nhận 3 ổ dịch sởi mới trong tuần, 96 trường hợp nghi mắc đã được lấy mẫu.",
    "Đoàn kiểm tra đã tạm đình chỉ bếp ăn [[ADR|công ty TNHH May Tinh Lợi]], nơi 312 công nhân bị ngộ độc.",
    "Từ đầu năm tới nay cả nước chưa ghi nhận ca cúm A/H5N1 nào trên người.",
    "Nam sinh [[P|N.Đ.K.]] ([[A|16 tuổi]]) đuối nước khi tắm ở [[ADR|bãi biển Cửa Lò]] chiều [[D|30/4]].",
    "Nạn nhân được chuyển đến Bệnh viện Hữu nghị Việt Đức trong tình trạng đa chấn thương.",
    "Hai du khách [[LOC|Úc]] là [[P|Liam]] và [[P|Chloe]] bị ngộ độc rượu methanol sau khi uống tại một quán bar ở [[ADR|phố Tạ Hiện]].",
    "Ngày [[D|21]] và [[D|22/5]], ngành y tế phun hóa chất diệt muỗi tại [[ADR|phường Hòa Minh, quận Liên Chiểu]].",
    "Ông [[P|Lâm Quang Hiếu]], Trưởng trạm y tế [[ADR|xã Phước Thành]], cho biết đã tiêm bù cho 240 trẻ.",
    "Cháu [[P|Nguyễn Bảo Ngân]], [[A|7 tháng tuổi]], nhà ở [[ADR|hẻm 146 đường Bùi Minh Trực, phường 5, quận 8]], sốt 5 ngày mới đi khám.",
    "Theo thống kê, giá mỗi suất ăn là 35.000 đồng, do một cơ sở ở ngoại thành cung cấp.",
    "Trong số 19 ca tử vong do sốt xuất huyết, có 11 ca là trẻ em.",
    "Ca bệnh [[PID|2.047]] và ca bệnh [[PID|2.048]] là hai vợ chồng, cùng đi [[ADR|chợ Đông Ba]] hằng ngày.",
    "Tài xế [[P|Phan Văn Hòa]] ([[A|42 tuổi]]) đã có nồng độ cồn 0,52 mg/lít khí thở.",
    "Cô giáo mầm non [[P|Y Liên]] ([[A|29 tuổi]]) ở [[ADR|buôn Ko Siêr]] là người đầu tiên trong buôn mắc sởi.",
    "Thời tiết nắng nóng kéo dài, ngành y tế khuyến cáo người dân ngủ màn, diệt lăng quăng.",
    "Vụ cháy tại [[ADR|chung cư mini ngõ 29 Khương Hạ]] làm 6 người phải nhập viện vì ngạt khói.",
    "Ông [[P|Kha Văn Dẻo]], [[A|64 tuổi]], bị chó dại cắn ở [[ADR|bản Huổi Một, xã Nậm Ty]] hôm [[D|9/1]].",
    "Đến [[D|17h]] ngày [[D|25/6]], 23 bệnh nhân đã xuất viện, còn 4 người đang điều trị.",
]

ITEMS += [
    "Ca bệnh số [[PID|4.712]] và [[PID|4.713]] liên quan ổ dịch ở [[ADR|xóm trọ đường Tô Ngọc Vân, phường Linh Đông]].",
    "Bệnh nhân [[PID|BN 3018]] (nữ, [[A|52 tuổi]]) và [[PID|BN 3021]] (nam, [[A|24 tuổi]]) đã có kết quả dương tính.",
    "Người dân cần hỗ trợ có thể gọi ông [[P|Lê Hữu Tài]], cán bộ y tế xã, số [[PH|0919 224 035]].",
    "Ca bệnh [[PID|198]] là bé gái [[A|14 tháng tuổi]] ở [[ADR|thị trấn Ea Drăng]].",
]

ITEMS += [
    "Ổ dịch sốt xuất huyết tại [[ADR|tổ dân phố 7, phường Tân Lợi]] và [[ADR|hẻm 35 Nguyễn Công Trứ]] đã được xử lý.",
    "Nhóm công nhân [[ADR|nhà máy gạch Tuynel Xuân Mai]] bị ngộ độc khí sau khi vệ sinh lò.",
    "Bệnh nhân [[PID|BN 8842]] từng đến [[ADR|siêu thị Co.opmart Rạch Miễu]] và [[ADR|nhà thờ Đức Bà]] trước khi có triệu chứng.",
    "Hai ca bệnh [[PID|2.961]] và [[PID|2.962]] đã hồi phục, người nhà liên hệ số [[PH|0274 3822 609]] của trạm y tế phường.",
    "Các chuyên gia khuyến cáo không ăn cá nóc, nấm rừng lạ và cóc dưới mọi hình thức.",
]
