import io
import json

import pytest

from pipelines.detect import evaluate, render_eval_report, run_detect, run_eval


def test_run_detect_writes_one_line_per_input_in_order(tmp_path):
    lines = [
        {"id": "a", "text": "Bệnh nhân Trần Văn Nam, SĐT 0912345678"},
        {"id": 2, "text": "Không có gì"},
        {"id": "c", "text": "email hung@gmail.com"},
    ]
    source = io.StringIO("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    out, progress = io.StringIO(), io.StringIO()
    assert run_detect(source, out, progress, n_process=1) == 3
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "c"]
    assert rows[1]["entities"] == []
    first = rows[0]["entities"]
    assert {(lines[0]["text"][e["start"]:e["end"]], e["entity_type"]) for e in first} == {
        ("Trần Văn Nam", "PERSON"), ("0912345678", "PHONE_NUMBER")
    }
    assert set(first[0]) == {"start", "end", "entity_type", "score"}


@pytest.mark.parametrize("bad", ['{"id": 1}\n', "not json\n", '{"text": "x"}\n'])
def test_run_detect_rejects_bad_lines_without_echoing_them(bad):
    with pytest.raises(ValueError) as error:
        run_detect(io.StringIO(bad), io.StringIO(), None, n_process=1)
    assert "line 1" in str(error.value) and "not json" not in str(error.value)


def test_eval_metrics_and_formats(tmp_path):
    truth = tmp_path / "truth.jsonl"
    truth.write_text(
        "\n".join(json.dumps(r) for r in [
            {"id": "1", "start": 0, "end": 5, "entity_type": "PERSON"},
            {"id": "1", "start": 10, "end": 20, "entity_type": "PHONE_NUMBER"},
            {"id": "2", "start": 0, "end": 4, "entity_type": "PERSON"},
        ]) + "\n",
        encoding="utf-8",
    )
    pred = tmp_path / "pred.jsonl"
    pred.write_text(
        "\n".join(json.dumps(r) for r in [
            {"id": "1", "entities": [{"start": 0, "end": 5, "entity_type": "PERSON", "score": 1},
                                     {"start": 12, "end": 20, "entity_type": "PHONE_NUMBER", "score": 1}]},
            {"id": "2", "entities": [{"start": 0, "end": 4, "entity_type": "LOCATION", "score": 1}]},
            {"id": "3", "entities": [{"start": 0, "end": 3, "entity_type": "PERSON", "score": 1}]},
        ]) + "\n",
        encoding="utf-8",
    )
    report = run_eval(truth, pred)
    exact, overlap = report["levels"]["exact"], report["levels"]["overlap"]
    assert exact["PHONE_NUMBER"]["recall"] == 0.0 and overlap["PHONE_NUMBER"]["recall"] == 1.0
    assert overlap["PERSON"]["recall"] == 0.5 and overlap["PERSON"]["precision"] == 0.5
    assert {"true": "PERSON", "predicted": "LOCATION", "count": 1} in report["confusion"]
    assert {"true": "(none)", "predicted": "PERSON", "count": 1} in report["confusion"]
    text = render_eval_report(report)
    assert "[overlap]" in text and "PERSON" in text and "-> LOCATION" in text


def test_token_level_uses_texts():
    truth = {"1": [(0, 15, "PERSON")]}
    pred = {"1": [(0, 6, "PERSON")]}
    report = evaluate(truth, pred, {"1": "Nguyễn Văn Hùng đến khám"})
    assert report["token_unit"] == "token"
    token = report["levels"]["token"]["PERSON"]
    assert token["precision"] == 1.0 and round(token["recall"], 3) == 0.333


def test_eval_rejects_bad_span(tmp_path):
    truth = tmp_path / "t.jsonl"
    truth.write_text('{"id": "1", "start": 5, "end": 2, "entity_type": "PERSON"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        run_eval(truth, truth)


TEXT = "Nguyễn Văn Hùng, 56 tuổi"  # PERSON 0-15, AGE 17-24


@pytest.mark.parametrize("pred, token_recall, strict_recall, whole", [
    ([(0, 15, "PERSON")], 1.0, 1.0, 1.0),
    ([(0, 6, "PERSON"), (6, 15, "PERSON")], 1.0, 1.0, 1.0),  # covered by two predictions together
    ([(0, 13, "PERSON")], 1.0, 0.6667, 0.0),  # last syllable cut: that token is a miss
    ([(14, 15, "PERSON")], 0.3333, 0.0, 0.0),  # a one-character overlap is no longer a hit
    ([(0, 15, "LOCATION")], 0.0, 0.0, 0.0),  # covered, but by the wrong type
])
def test_token_strict_counts_a_token_only_when_every_character_is_covered(pred, token_recall, strict_recall, whole):
    report = evaluate({"1": [(0, 15, "PERSON"), (17, 24, "AGE")]}, {"1": pred}, {"1": TEXT})
    assert report["levels"]["overlap"]["PERSON"]["recall"] == (0.0 if pred[0][2] != "PERSON" else 1.0)
    assert report["levels"]["token"]["PERSON"]["recall"] == token_recall
    strict = report["levels"]["token_strict"]["PERSON"]
    assert strict["recall"] == strict_recall and strict["span_recall"] == whole


def test_token_strict_ignores_punctuation_outside_the_span_and_keeps_token_precision():
    # "Hùng," is one token; the comma is outside the name, so covering "Hùng" covers the token.
    report = evaluate({"1": [(11, 15, "PERSON")]}, {"1": [(11, 15, "PERSON"), (17, 24, "PERSON")]}, {"1": TEXT})
    strict, token = report["levels"]["token_strict"]["PERSON"], report["levels"]["token"]["PERSON"]
    assert strict["recall"] == 1.0 and strict["span_recall"] == 1.0
    assert strict["precision"] == token["precision"] == round(1 / 3, 4)
    assert report["levels"]["token_strict"]["DIRECT_IDENTIFIERS"]["span_recall"] == 1.0


def test_eval_detect_command_prints_the_strict_level(tmp_path, capsys):
    from pipelines.cli import main
    texts = tmp_path / "texts.jsonl"
    texts.write_text(json.dumps({"id": "1", "text": TEXT, "entities": [
        {"start": 0, "end": 15, "entity_type": "PERSON"}]}, ensure_ascii=False) + "\n", encoding="utf-8")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"id": "1", "entities": [{"start": 0, "end": 6, "entity_type": "PERSON"}]}) + "\n")
    assert main(["eval-detect", "--truth", str(texts), "--pred", str(pred), "--texts", str(texts)]) == 0
    out = capsys.readouterr().out
    assert "[token_strict (token)]" in out and "whole spans" in out
    assert main(["eval-detect", "--truth", str(texts), "--pred", str(pred), "--texts", str(texts), "--json"]) == 0
    strict = json.loads(capsys.readouterr().out)["levels"]["token_strict"]["PERSON"]
    assert strict["recall"] == round(1 / 3, 4) and strict["span_recall"] == 0.0
