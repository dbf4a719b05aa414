"""SMS / Zalo-style messages between staff and patients' families (v6, hand-written, blind)."""

GENRE = "sms"
ITEMS = [
    "c oi e la ng nha bn [[P|tran van hung]] giuong 8, bs cho e hoi may h thi mo a",
    "Chao chi [[P|Diem]], chau [[P|Khoa]] da het sot, chieu nay [[D|16h]] chi len lam thu tuc ra vien nhe.",
    "a [[P|Tuan]] oi so cua bs [[P|Lanh]] la [[PH|0934.55.12.08]] nhe, goi sau [[D|20h]] bs moi ranh",
    "Khoa Nhi thong bao: be [[P|Gia Bao]] can nhin an tu [[D|0h]] de noi soi sang [[D|thu 4]].",
    "ok e cam on c nhieu",
    "Me oi con o [[ADR|so 5 kiet 112 Ong Ich Khiem]] roi, xe cap cuu toi chua",
    "BS nhan: KQ xet nghiem cua ba [[P|Lien]] binh thuong, ko can lo, [[D|thu 6]] tai kham.",
    "em gui anh ma the bhyt cua me e: [[BHYT|gd4797923011842]]",
    "[[P|Hiếu]] ơi, mai [[D|7h30]] có mặt ở phòng mổ nhé, mang theo phim chụp.",
    "Cho e hoi benh an cua chong e ma so [[PID|bn26050331]] da co kq sinh thiet chua a",
    "Dạ em là ĐD [[P|Quyên]] khoa HSTC, người nhà BN [[P|Kpă Hlim]] lên cổng khu B gặp BS nhé.",
    "sdt con trai ba [[P|Chieu]]: [[PH|097 4423 118]], goi k dc thi goi [[PH|0243 8691 027]]",
    "Anh [[P|Thành]] ơi sáng [[D|thứ 7 (14/3)]] bố em được phẫu thuật đúng không ạ?",
    "Tin nhan tu dong: Lich hen tai kham cua Quy khach luc [[D|8h00]] ngay [[D|22/04/2026]]. Tra loi HUY de huy.",
    "e dang o [[ADR|cho Hom]] mua do cho me, 15p nua e len",
    "Chú ơi cháu gửi số CCCD của bà: [[CCCD|038157004426]], ngày sinh [[D|3/3/1957]].",
    "Zalo nhom khoa: ca dem nay 3 bn nang, can them 1 dd tang cuong.",
    "ba [[P|lanh]] dang do roi a, an dc nua bat chao",
    "Gui chi [[P|Thao]]: chuyen khoan vien phi vao TK benh vien, ghi noi dung ma BN [[PID|0426118]] nha chi.",
    "ok bac si, em nho roi, thuoc uong 3 lan ngay sau an",
    "Em [[P|Đức]] trực, có gì anh chị nhắn zalo [[PH|0868 339 447]], em trả lời liền.",
    "mẹ em bị té ở [[ADR|sân chung cư CT4 Văn Khê]] nên đưa vô viện lúc [[D|5h]] sáng nay",
    "Kính gửi gia đình cụ [[P|Lạc]]: bác sĩ [[P|Vân]] xin hẹn gặp gia đình lúc [[D|14h]] [[D|thứ Hai 9/3]] để trao đổi.",
    "c gui e email de nhan ket qua nhe: [[EM|kimdiep.kt92@gmail.com]]",
    "nha e o [[ADR|thon 3 xa Hoa Khanh, Buon Ma Thuot]] xa lam, cho e hoi co xe chuyen ko",
    "Be [[P|Su]] [[A|2 tuoi 4 thang]] bi so mui 3 ngay, em co can dua di kham ko bs",
]

ITEMS += [
    "bs oi e la con ba [[P|Nhan]], so e [[PH|0359449217]], ba e ma bn [[PID|bn0260917]] ah",
    "A [[P|Khải]] gọi em số này [[PH|0968.22.77.41]] hoặc [[PH|0708 115 336]] nha, máy kia hết pin.",
    "DD [[P|Trâm]] nhắn: mã hồ sơ của bác là [[PID|HS26-00718]], thẻ bhyt [[BHYT|hn4010133807725]] còn hạn.",
    "bs [[P|Kiên]] (mã [[SID|BS-1177]]) nhờ chị gửi lại số BHXH của anh: [[BHXH|0109 3347 21]]",
    "số cccd của mẹ e đây ạ [[CCCD|0341 7200 5518]]",
    "Em gửi lại sđt bác sĩ: [[PH|0917-06-03-29]], anh lưu lại giúp em.",
]

ITEMS += [
    "so ba e [[PH|09 03 44 61 28]], so cau e [[PH|0.983.117.402]], goi ai cung dc a",
    "dạ bs [[P|Lê Na]] nhận: số zalo cá nhân của chị là [[PH|0777 215 036]], có gì nhắn chị.",
    "e quen mang the, ma so bhxh cua e la [[BHXH|7912334018]] co dc ko a",
    "Khoa Sản nhắn: mẹ bé [[P|Tép]] lên lấy giấy chứng sinh số [[PID|CS-26-01273]] tại quầy 2.",
    "ok, mai e mang giay to len",
    "dạ vâng ạ, em cảm ơn bác sĩ nhiều",
    "thuoc uong het roi thi nhan e de e dat lich kham lai nha",
]
