"""Locations finer than a province (issue 9, location round): more point-of-interest keywords, a
one-word name that goes on in lower case, places abroad, cities below province level as VN_ADDRESS,
countries and regions as LOCATION, and the PhoNER mapping of gold locations. Every sentence here was
written for this test (none is taken from a scored set).

A positive case names the exact spans expected; a negative case must give no entity of that type.
"""
import pytest

from detect_cases import case_tests
from pipelines.detect import phoner

POSITIVE = {
    "VN_ADDRESS": [
        # Points of interest whose keyword was not in the list.
        ("Xe khách đổ đèo Bảo Lộc lúc nửa đêm.", ["đèo Bảo Lộc"]),
        ("Bệnh nhân đi dạo quanh hồ Xuân Hương mỗi sáng.", ["hồ Xuân Hương"]),
        ("Anh làm việc ở trang trại bò sữa Ba Vì.", ["trang trại bò sữa Ba Vì"]),
        ("Tối 5/6 hai vợ chồng dạo phố đi bộ Nguyễn Huệ.", ["phố đi bộ Nguyễn Huệ"]),
        ("Chị dừng đổ xăng tại cây xăng Tân Phú.", ["cây xăng Tân Phú"]),
        ("Ông thuê phòng ở khu nhà trọ Phúc Lộc.", ["khu nhà trọ Phúc Lộc"]),
        ("Gia đình dự tiệc tại trung tâm tiệc cưới Hoa Hồng.", ["trung tâm tiệc cưới Hoa Hồng"]),
        ("Cả đoàn chơi ở sân golf Long Thành.", ["sân golf Long Thành"]),
        ("Bà bán hàng gần cầu Long Biên.", ["cầu Long Biên"]),
        ("Em tắm ở sông Hương chiều qua.", ["sông Hương"]),
        ("Nhóm bạn xem kịch ở nhà hát Hòa Bình.", ["nhà hát Hòa Bình"]),
        # A one-word name that goes on in lower case, up to a boundary.
        ("Hai người làm ở nhà hàng Lẩu dê núi, rồi về nhà.", ["nhà hàng Lẩu dê núi"]),
        ("Cô là thu ngân của siêu thị Đồ gia dụng xanh từ tháng 3.", ["siêu thị Đồ gia dụng xanh"]),
        ("Nhân viên quán Gà nướng ngon ở phố Huế bị sốt.", ["quán Gà nướng ngon", "phố Huế"]),
        ("Bệnh nhân đến chợ Cồn mua rau.", ["chợ Cồn"]),
        ("Cả nhóm ghé quán Mây ngồi uống nước.", ["quán Mây"]),
        ("Chúng tôi gặp nhau ở quán Gió chiều nay ngon nhất phố", ["quán Gió"]),
        ("Ghé quán Hoa sữa ngon nhất phố", ["quán Hoa"]),
        ("Bà đi chợ Ba Vì từ sớm.", ["chợ Ba Vì"]),
        # Places abroad, alone or after "thủ đô".
        ("Cô vừa từ London về nước.", ["London"]),
        ("Anh làm đầu bếp ở thủ đô Bangkok hai năm.", ["thủ đô Bangkok"]),
        ("Đoàn khách đi Vũ Hán hồi tháng Giêng.", ["Vũ Hán"]),
        ("Chuyến bay từ Siem Reap hạ cánh lúc 9h.", ["Siem Reap"]),
        ("Ông quá cảnh Dubai rồi bay tiếp.", ["Dubai"]),
        # Cities and towns below province level are addresses, not provinces.
        ("Bà vừa đi Nha Trang thăm con.", ["Nha Trang"]),
        ("Hai mẹ con du lịch Hội An ba ngày.", ["Hội An"]),
        ("Anh ấy sống ở Biên Hòa, Đồng Nai.", ["Biên Hòa"]),
        ("Cả nhà nghỉ hè ở Phú Quốc.", ["Phú Quốc"]),
        ("Chị về quê ở Tam Đảo.", ["Tam Đảo"]),
        ("Gia đình chuyển về Đồng Xoài năm ngoái.", ["Đồng Xoài"]),
    ],
    "LOCATION": [
        ("Anh ấy từ Liên bang Nga về nước.", ["Liên bang Nga"]),
        ("Du học sinh về từ Cộng hòa Séc.", ["Cộng hòa Séc"]),
        ("Chị đi công tác Bhutan một tuần.", ["Bhutan"]),
        ("Ông làm việc ở Đông Nam Á nhiều năm.", ["Đông Nam Á"]),
        ("Anh ấy sống ở Biên Hòa, Đồng Nai.", ["Đồng Nai"]),
        ("Nhóm thợ từ Tây Nguyên xuống.", ["Tây Nguyên"]),
    ],
}

NEGATIVE = {
    "VN_ADDRESS": [
        # Health facilities stay non-addresses, whatever keyword is near.
        "Bệnh nhân được chuyển lên Bệnh viện Bạch Mai.",
        "Ông điều trị tại Trung tâm Y tế huyện Đông Anh.",
        "Anh khám ở Bệnh viện Đa khoa Nha Trang.",
        # Capitalised landforms start proper names; "cầu" ends common words.
        "Bà quê ở TP Hồ Chí Minh.",
        "Ông Hồ Văn Nam, 60 tuổi, bị sốt.",
        "Theo yêu cầu Công an phường, cả nhà ở yên.",
        "Nhu cầu Bộ Y tế đưa ra là rất lớn.",
        # Landform keywords need a name, not a number: blood counts and doses are not places.
        "Xét nghiệm tiểu cầu 197 G/L, hồng cầu 4,2 T/L.",
        "Đã tiêm vắc xin mũi 2 ngày 3/9.",
        # Provinces and countries are not addresses.
        "Bà về quê ở Quảng Nam.",
        "Cô vừa từ Nhật Bản về.",
    ],
    "LOCATION": [
        "Bà vừa đi Nha Trang thăm con.",
        "Cô vừa từ London về nước.",
        "Em trai tên Anh học rất giỏi.",
    ],
}


test_finds, test_ignores = case_tests(POSITIVE, NEGATIVE)


@pytest.mark.parametrize("name, kind", [
    # Countries and regions larger than a province are coarse.
    ("Liên bang Nga", "LOCATION"), ("Bhutan", "LOCATION"), ("Đông Nam Á", "LOCATION"), ("ĐBSCL", "LOCATION"),
    ("miền Trung", "LOCATION"), ("VN", "LOCATION"),
    # "thành phố"/"TP" before a province's name is its capital, finer than the province; not for the
    # centrally-run cities.
    ("thành phố Hải Dương", "VN_ADDRESS"), ("TP Quảng Ngãi", "VN_ADDRESS"), ("tỉnh Hải Dương", "LOCATION"),
    ("Hải Dương", "LOCATION"), ("thành phố Đà Nẵng", "LOCATION"), ("TP. HCM", "LOCATION"),
    # Health facilities anywhere in the span, or named without "viện", or by their name alone.
    ("cơ sở 2 Trung tâm Y tế huyện Tân Yên", phoner.IGNORED), ("Trung tâm Bệnh nhiệt đới", phoner.IGNORED),
    ("Bệnh Nhiệt đới Trung ương", phoner.IGNORED), ("Đa khoa Sóc Sơn", phoner.IGNORED), ("Chợ Rẫy", phoner.IGNORED),
    # Everything else finer than a province.
    ("London", "VN_ADDRESS"), ("Nha Trang", "VN_ADDRESS"), ("phường Bạch Mai", "VN_ADDRESS"),
])
def test_phoner_location_mapping(name, kind):
    assert phoner.location_type(name) == kind


@pytest.mark.parametrize("words, tags, expected", [
    # The sentence's full stop glued to the last syllable is not part of the location.
    (["Bà", "ở", "quận", "3", ",", "TP.HCM."], ["O", "O", "B-LOCATION", "I-LOCATION", "I-LOCATION", "I-LOCATION"],
     [("quận 3", "VN_ADDRESS"), ("TP.HCM", "LOCATION")]),
    (["Anh", "về", "TP.HCM.", '"'], ["O", "O", "B-LOCATION", "O"], [("TP.HCM", "LOCATION")]),
    # Not a full stop when more of the sentence follows, nor an abbreviation's dot inside.
    (["Ở", "TP.", "Vinh", "ạ"], ["O", "B-LOCATION", "I-LOCATION", "O"], [("TP. Vinh", "VN_ADDRESS")]),
])
def test_phoner_location_span_leaves_out_the_full_stop(words, tags, expected):
    sentence = phoner.sentence({"words": words, "tags": tags}, "s")
    assert [(sentence.text[a:b], t) for a, b, t in sentence.spans] == expected


def test_world_places_name_each_place_once_with_one_kind():
    from pipelines.reference import world_places
    rows = world_places()
    assert {r["kind"] for r in rows} == {"country", "region", "city"}
    names = [r["name"] for r in rows]
    assert all(n and n == n.strip() for n in names) and len(set(names)) == len(names)
