"""Each policy action, each Presidio operator and the policy loader on their own."""
from __future__ import annotations

import pyarrow as pa
import pytest
import yaml
from deid_fixtures import KEY, OTHER_KEY
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from pipelines.deidentify.actions import ACTIONS, TableContext, age_in_years, shift_list
from pipelines.deidentify.operators import (DateShiftOperator, PseudonymiseOperator, SurrogateOperator,
                                            anonymizer_engine)
from pipelines.deidentify.policy import DEFAULT_POLICY, FieldRule, PolicyError, load_policy
from pipelines.deidentify.transforms import (Keyring, Pseudonymiser, Surrogates, map_distinct, normalise,
                                             shift_date_text, shift_dates, shift_offset)
from pipelines.schema import load_schema

MASTER = bytes.fromhex(KEY)


@pytest.fixture
def pseudo():
    return Pseudonymiser(Keyring(MASTER))


def context(pseudo, table_id="xml1", columns=None, shift=None, episode=None) -> TableContext:
    columns = columns or {"MA_LK": ["A", "B", "C"]}
    data = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    shift = pa.array(shift or [5] * data.num_rows, pa.int32())
    return TableContext(table_id, data, episode or {}, shift, pseudo, Surrogates(pseudo), load_schema())


def apply(pseudo, action, field, values, table_id="xml1", **params):
    ctx = context(pseudo, table_id, {field: values}, **{k: params.pop(k) for k in ("shift", "episode") if k in params})
    rule = FieldRule(field, action, params)
    return ACTIONS[action]().apply(rule, pa.array(values, pa.string()), ctx)


def test_every_action_is_a_registered_class():
    assert set(ACTIONS) == {"drop", "keep", "suppress", "pseudonymise", "generalise", "date_shift", "redact",
                            "surrogate"}


def test_drop_writes_nothing_and_counts(pseudo):
    out, counts = apply(pseudo, "drop", "HO_TEN", ["An", None, ""])
    assert out == {} and counts == {"dropped": 1}


def test_keep_and_suppress(pseudo):
    out, counts = apply(pseudo, "keep", "GIOI_TINH", ["1", "2", None])
    assert out["GIOI_TINH"].to_pylist() == ["1", "2", None] and counts == {"kept": 2}
    out, counts = apply(pseudo, "suppress", "MA_NGHE_NGHIEP", ["00000", "12345", None])
    assert out["MA_NGHE_NGHIEP"].to_pylist() == [None, None, None] and counts == {"suppressed": 2}


def test_normalisation_makes_spellings_of_one_value_equal():
    assert normalise("NGUYỄN VĂN AN", "name") == normalise("Nguyễn Văn  An", "name") == normalise("nguyen van an", "name")
    assert normalise("Đặng Thị Hà", "name") == "dang thi ha"
    assert normalise("HC4-01-1234567890", "id") == normalise("hc4 01 1234567890", "id") == "HC4011234567890"


def test_pseudonymise_per_distinct_value_with_normalisation_scope_and_lists(pseudo):
    out, counts = apply(pseudo, "pseudonymise", "MA_THE_BHYT", ["HC4-01-1234567890", "HC4011234567890", None,
                                                                "HC4011234567890;DN4010000000001"],
                        domain="person", normalise="id")
    tokens = out["MA_THE_BHYT"].to_pylist()
    assert tokens[0] == tokens[1] and tokens[2] is None and counts == {"pseudonymised": 3}
    assert tokens[3].split(";")[0] == tokens[0] and len(tokens[3].split(";")) == 2
    # MA_LK with its facility: the same MA_LK at two facilities is two episodes
    ctx = context(pseudo, columns={"MA_LK": ["LK1", "LK1", "LK1"], "MA_CSKCB": ["01929", "79001", "01929"]})
    out, _ = ACTIONS["pseudonymise"]().apply(FieldRule("MA_LK", "pseudonymise", {"domain": "episode",
                                                                                 "scope_by": ["MA_CSKCB"]}),
                                             ctx.column("MA_LK"), ctx)
    a, b, c = out["MA_LK"].to_pylist()
    assert a == c != b and a.startswith("E")


def test_pseudonymise_is_keyed_and_domain_separated():
    one, other = Pseudonymiser(Keyring(MASTER)), Pseudonymiser(Keyring(bytes.fromhex(OTHER_KEY)))
    scoped = Pseudonymiser(Keyring(MASTER, scope="research-7"))
    assert one.token("staff", "x") != other.token("staff", "x") != scoped.token("staff", "x")
    assert one.token("staff", "x")[1:] != one.token("episode", "x")[1:]
    assert Pseudonymiser(Keyring(MASTER)).token("staff", "x") == one.token("staff", "x")


def test_generalise_along_a_named_hierarchy_with_age_at_and_context(pseudo):
    ctx = context(pseudo, columns={"NGAY_SINH": ["198503150000", "202403010000", None],
                                   "NGAY_VAO": ["202403140830", "202403020830", "202403020830"]})
    rule = FieldRule("NGAY_SINH", "generalise", {"hierarchy": "age", "level": "band5", "age_at": "NGAY_VAO",
                                                 "output": "NHOM_TUOI"})
    out, counts = ACTIONS["generalise"]().apply(rule, ctx.column("NGAY_SINH"), ctx)
    assert out["NHOM_TUOI"].to_pylist() == ["35-39", "0-4", None] and counts == {"generalised": 2}
    ctx = context(pseudo, columns={"MATINH_CU_TRU": ["74", "79", "74"], "NGAY_VAO": ["202401010000", "202510010000",
                                                                                      "202510010000"]})
    rule = FieldRule("MATINH_CU_TRU", "generalise", {"hierarchy": "geography", "level": "province",
                                                     "from_level": "province", "context": {"date": "NGAY_VAO"}})
    out, _ = ACTIONS["generalise"]().apply(rule, ctx.column("MATINH_CU_TRU"), ctx)
    assert out["MATINH_CU_TRU"].to_pylist()[:2] == ["79", "79"]


def test_age_is_computed_on_real_dates_with_unknown_month_and_day():
    ages = age_in_years(pa.array(["198503150000", "195000000000", "202403010000", "x"]),
                        pa.array(["202403010830", "202403010830", "202403020830", "202403020830"]))
    assert ages.to_pylist() == [38, 73, 0, None]


def test_date_shift_moves_each_row_by_its_person_offset(pseudo):
    out, counts = apply(pseudo, "date_shift", "NGAY_VAO", ["202403010830", "20240228", "2024", None],
                        shift=[3, 2, 1, -1])
    assert out["NGAY_VAO"].to_pylist() == ["202403040830", "20240301", None, None]
    assert counts == {"shifted": 2, "withheld_not_a_date": 1}
    assert shift_list(pa.array(["20240101;20241231", None]), pa.array([1, 1], pa.int32()), ";").to_pylist() \
        == ["20240102;20250101", None]


def test_vectorised_and_scalar_date_shift_agree():
    values = ["202402281530", "20241231", "202001010000"]
    moved = shift_dates(pa.array(values), pa.array([1, 1, -400], pa.int32())).to_pylist()
    assert moved == [shift_date_text(v, d) for v, d in zip(values, [1, 1, -400])]


def test_shift_offset_is_never_zero_and_within_bounds(pseudo):
    offsets = [shift_offset(pseudo, f"cccd:{i:012d}", 7) for i in range(2000)]
    assert 0 not in offsets and min(offsets) == -7 and max(offsets) == 7


def test_map_distinct_calls_the_function_once_per_value():
    calls = []
    out = map_distinct(pa.array(["a", "b", "a", None, "a"]), lambda v: calls.append(v) or v.upper())
    assert out.to_pylist() == ["A", "B", "A", None, "A"] and sorted(calls) == ["a", "b"]


def test_free_text_actions_mark_columns_for_the_detector_pass(pseudo):
    ctx = context(pseudo, columns={"GHI_CHU": ["x"]})
    ACTIONS["redact"]().apply(FieldRule("GHI_CHU", "redact"), ctx.column("GHI_CHU"), ctx)
    ACTIONS["surrogate"]().apply(FieldRule("GHI_CHU", "surrogate", {"output": "GHI_CHU_2"}), ctx.column("GHI_CHU"), ctx)
    assert [(r.output, p) for r, p in ctx.free_text_jobs] == [("GHI_CHU", "redact"), ("GHI_CHU_2", "surrogate")]


# ---- Presidio operators -------------------------------------------------------------------

def run(text, spans, operators):
    results = [RecognizerResult(t, s, e, 1.0) for t, s, e in spans]
    return anonymizer_engine().anonymize(text, results, operators=operators).text


def test_pseudonymise_operator_gives_the_column_token(pseudo):
    text = "người nhà anh LÊ VĂN  NAM"
    out = run(text, [("PERSON", 14, len(text))], {"PERSON": OperatorConfig(
        PseudonymiseOperator.NAME, {"pseudonymiser": pseudo, "domain": "name", "normalise": "name"})})
    assert out == "người nhà anh " + pseudo.token("name", "Lê Văn Nam", "name")


def test_surrogate_operator_is_consistent_and_valid_in_shape(pseudo):
    s = Surrogates(pseudo)
    config = {"PERSON": OperatorConfig(SurrogateOperator.NAME, {"surrogates": s}),
              "PHONE_NUMBER": OperatorConfig(SurrogateOperator.NAME, {"surrogates": s}),
              "VN_CCCD": OperatorConfig(SurrogateOperator.NAME, {"surrogates": s})}
    text = "Trần Thị Bích, 0912345678, CCCD 001085012345"
    out = run(text, [("PERSON", 0, 13), ("PHONE_NUMBER", 15, 25), ("VN_CCCD", 32, 44)], config)
    again = run("TRẦN THỊ BÍCH", [("PERSON", 0, 13)], config)
    name, phone, cccd = out.split(", ")[0], out.split(", ")[1], out.split("CCCD ")[1]
    assert name != "Trần Thị Bích" and len(name.split()) >= 2 and again == name.upper()
    assert phone != "0912345678" and len(phone) == 10 and phone.startswith("0")
    assert len(cccd) == 12 and cccd.isdigit() and cccd != "001085012345"
    other = Surrogates(Pseudonymiser(Keyring(MASTER, scope="other")))
    assert other.fake("PERSON", "Trần Thị Bích") != name  # another scope, another fake


def test_date_shift_operator_keeps_the_written_form():
    config = {"DATE_TIME": OperatorConfig(DateShiftOperator.NAME, {"days": 3, "reference_year": 2024})}
    assert run("ngày 28/02/2024 sốt", [("DATE_TIME", 5, 15)], config) == "ngày 02/03/2024 sốt"
    assert run("tái khám 30/12", [("DATE_TIME", 9, 14)], config) == "tái khám 02/01"
    assert run("lúc 14h30", [("DATE_TIME", 4, 9)], config) == "lúc [NGÀY]"  # not a day: never left as written
    assert run("ngày 5 tháng 6 năm 2024", [("DATE_TIME", 0, 23)], config) == "ngày 8 tháng 6 năm 2024"


# ---- the policy loader ----------------------------------------------------------------------

def write_policy(tmp_path, change) -> str:
    raw = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_the_shipped_policy_gives_every_field_of_every_table_an_action():
    policy = load_policy()
    schema = load_schema()
    for table in schema.tables.values():
        assert set(policy.rules[table.id]) == set(table.columns)
    assert policy.rules_for("xml1", "MA_LK")[0].params["scope_by"] == ["MA_CSKCB"]
    assert all(set(p) >= {"PERSON", "DATE_TIME", "LOCATION"} for p in policy.free_text.values())


@pytest.mark.parametrize("change, where", [
    (lambda r: r.update(colour="blue"), "colour"),
    (lambda r: r["fields"].update(NO_SUCH_FIELD="keep"), "fields.NO_SUCH_FIELD"),
    (lambda r: r["fields"].update(MA_LK={"action": "pseudonymise", "domain": "nobody"}), "fields.MA_LK.domain"),
    (lambda r: r["fields"].update(MA_LK={"action": "pseudonymise", "domain": "episode", "salt": 1}),
     "fields.MA_LK.salt"),
    (lambda r: r["fields"].update(HO_TEN="keep"), "fields.HO_TEN"),
    (lambda r: r["fields"].update(GHI_CHU="keep"), "fields.GHI_CHU"),
    (lambda r: r["defaults"].update({"DIRECT-ID": "pseudonymise"}), "defaults.DIRECT-ID"),
    (lambda r: r["fields"].update(NGAY_SINH={"action": "generalise", "hierarchy": "age", "level": "decade"}),
     "fields.NGAY_SINH.level"),
    (lambda r: r["tables"].update(xml3={"HO_TEN": "drop"}), "tables.xml3.HO_TEN"),
    (lambda r: r["free_text"]["redact"].pop("AGE"), "free_text.redact.AGE"),
    (lambda r: r["free_text"]["redact"].update(PERSON="keep"), "free_text.redact.PERSON"),
    (lambda r: r["free_text"]["surrogate"].update(AGE="surrogate"), "free_text.surrogate.AGE.operator"),
    (lambda r: r["date_shift"].update(max_days=0), "date_shift.max_days"),
    (lambda r: r.pop("version"), "version"),
])
def test_policy_errors_name_the_file_key_and_field(tmp_path, change, where):
    path = write_policy(tmp_path, change)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert f"{path}: {where}" in str(err.value)


def test_a_documented_exception_allows_keeping_a_direct_identifier(tmp_path):
    path = write_policy(tmp_path, lambda r: r["tables"].update(xml1={"MA_HSBA": {
        "action": "keep", "exception": "record numbers needed for the 2026 chart-review study, DPIA 12"}}))
    rule = load_policy(path).rules_for("xml1", "MA_HSBA")[0]
    assert rule.action == "keep" and "DPIA" in rule.exception
    assert load_policy(path).rules_for("xml0", "MA_HSBA" if False else "HO_TEN")[0].action == "drop"


def test_a_surname_left_before_a_detected_name_is_taken_into_it():
    from pipelines.deidentify.freetext import widen_person_spans
    text = "BN: Chu Van Tien o Ha Noi"
    widened = widen_person_spans(text, [{"entity_type": "PERSON", "start": 8, "end": 16, "score": 0.9}])
    assert text[widened[0]["start"]:widened[0]["end"]] == "Chu Van Tien"
    kept = widen_person_spans("đến Khám Van Tien", [{"entity_type": "PERSON", "start": 9, "end": 17}])
    assert kept[0]["start"] == 9  # "Khám" is not a surname
