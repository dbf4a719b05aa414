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
