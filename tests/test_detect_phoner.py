"""The PhoNER_COVID19 reader and scorer on a tiny sample written here in its format (no PhoNER data)."""
import json

import pytest

from pipelines.cli import main
from pipelines.detect import phoner

SAMPLE = [
    {"words": ["Bệnh", "nhân", "527", "(", "BN", ")", ",", "nam", ",", "35", "tuổi", ",", "ở", "xã", "Tân", "Lập",
               ",", "huyện", "Đan", "Phượng", ",", "Hà", "Nội", "."],
     "tags": ["O", "O", "B-PATIENT_ID", "O", "O", "O", "O", "B-GENDER", "O", "B-AGE", "O", "O", "O",
              "B-LOCATION", "I-LOCATION", "I-LOCATION", "I-LOCATION", "I-LOCATION", "I-LOCATION", "I-LOCATION",
              "I-LOCATION", "I-LOCATION", "I-LOCATION", "O"]},
    {"words": ["Ngày", "25", "-", "7", ",", "bà", "N.T.H", ".", "đến", "Bệnh", "viện", "Đà", "Nẵng", "và", "chợ",
               "Hàn", "cùng", "Sở", "Y", "tế", "Quảng", "Nam", "."],
     "tags": ["O", "B-DATE", "I-DATE", "I-DATE", "O", "O", "B-NAME", "I-NAME", "O", "B-LOCATION", "I-LOCATION",
              "I-LOCATION", "I-LOCATION", "O", "B-LOCATION", "I-LOCATION", "O", "B-ORGANIZATION",
              "I-ORGANIZATION", "I-ORGANIZATION", "I-ORGANIZATION", "I-ORGANIZATION", "O"]},
    {"words": ["Chuyến", "bay", "VN", "0054", "từ", "Hàn", "Quốc", "."],
     "tags": ["O", "O", "B-TRANSPORTATION", "I-TRANSPORTATION", "O", "B-LOCATION", "I-LOCATION", "O"]},
]


def _write(tmp_path, name="train_syllable.json"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in SAMPLE), encoding="utf-8")
    return path


def _texts(sentence):
    return [(sentence.text[a:b], t) for a, b, t in sentence.spans]


def test_reader_maps_tags_and_rebuilds_text(tmp_path):
    first, second, third = phoner.read_split(_write(tmp_path))
    assert first.text == "Bệnh nhân 527 (BN), nam, 35 tuổi, ở xã Tân Lập, huyện Đan Phượng, Hà Nội."
    assert _texts(first) == [("527", "VN_PATIENT_ID"), ("35 tuổi", "AGE"),  # "tuổi" joins the age
                             ("xã Tân Lập, huyện Đan Phượng", "VN_ADDRESS"), ("Hà Nội", "LOCATION")]
    assert second.text.startswith("Ngày 25-7, bà N.T.H. đến Bệnh viện Đà Nẵng")
    assert _texts(second) == [("25-7", "DATE_TIME"), ("N.T.H.", "PERSON"), ("chợ Hàn", "VN_ADDRESS")]
    assert [second.text[a:b] for a, b in second.ignored] == ["Bệnh viện Đà Nẵng", "Sở Y tế Quảng Nam"]
    assert _texts(third) == [("Hàn Quốc", "LOCATION")] and third.text == "Chuyến bay VN 0054 từ Hàn Quốc."


@pytest.mark.parametrize("name, kind", [
    ("Hà Nội", "LOCATION"), ("TP. HCM", "LOCATION"), ("tỉnh Thừa Thiên Huế", "LOCATION"), ("Thanh Hoá", "LOCATION"),
    ("Lào", "LOCATION"), ("quận 2", "VN_ADDRESS"), ("TP Đông Hà", "VN_ADDRESS"), ("quán bar Buddha", "VN_ADDRESS"),
    ("Trung tâm Y tế huyện Hoà Vang", phoner.IGNORED), ("bệnh viện dã chiến", phoner.IGNORED),
])
def test_location_mapping(name, kind):
    assert phoner.location_type(name) == kind


def test_score_ignores_organizations_and_facilities_and_counts_unscored_types(tmp_path):
    sentences = phoner.read_split(_write(tmp_path))
    second = sentences[1]
    at = second.text.index
    predictions = [
        [{"start": 10, "end": 13, "entity_type": "VN_PATIENT_ID"}],
        [{"start": at("25-7"), "end": at("25-7") + 4, "entity_type": "DATE_TIME"},
         {"start": at("Đà Nẵng"), "end": at("Đà Nẵng") + 7, "entity_type": "LOCATION"},  # inside a facility
         {"start": at("Quảng Nam"), "end": at("Quảng Nam") + 9, "entity_type": "LOCATION"},  # inside an org
         {"start": at("N.T.H"), "end": at("N.T.H") + 5, "entity_type": "PERSON"}],  # the final dot is missed
        [{"start": 11, "end": 18, "entity_type": "VN_PATIENT_ID"}, {"start": 0, "end": 3, "entity_type": "PHONE_NUMBER"}],
    ]
    report = phoner.score(sentences, predictions)
    strict = report["levels"]["token_strict"]
    assert strict["VN_PATIENT_ID"]["recall"] == 1.0 and strict["VN_PATIENT_ID"]["precision"] == pytest.approx(1 / 3, abs=1e-3)
    assert strict["DATE_TIME"]["recall"] == 1.0
    assert strict["PERSON"]["recall"] == 0.0 and report["levels"]["token"]["PERSON"]["recall"] == 1.0
    assert strict["LOCATION"]["predicted"] == 0 and strict["LOCATION"]["recall"] == 0.0
    assert report["unscored_predictions"] == {"PHONE_NUMBER": 1}


def test_test_split_is_never_read(tmp_path):
    with pytest.raises(ValueError, match="test split"):
        phoner.split_path(tmp_path, "test")
    with pytest.raises(ValueError, match="test split"):
        phoner.read_split(_write(tmp_path, "test_syllable.json"))


def test_eval_phoner_command(tmp_path, capsys):
    _write(tmp_path)
    assert main(["eval-phoner", "--dir", str(tmp_path), "--json"]) == 0
    captured = capsys.readouterr()
    assert "dev split not found" in captured.err
    report = json.loads(captured.out)
    assert set(report) == {"train"} and report["train"]["texts"] == 3
    assert main(["eval-phoner", "--dir", str(tmp_path), "--split", "train"]) == 0
    assert "PhoNER_COVID19 train: 3 sentences" in capsys.readouterr().out
