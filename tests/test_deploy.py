"""Deployment files (issue 12, point 1): no Docker engine here, so the compose file, the Dockerfile and
the env example are parsed and checked; the wheel the image installs is built and inspected."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from pipelines.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
AIRFLOW_SERVICES = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker", "airflow-init", "flower"}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|FERNET|_KEY$|PSEUDONYM|SIGNING)", re.I)
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Z0-9_]+)(?::-[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    return {k: str(v) for k, v in env.items()} if isinstance(env, dict) else dict(e.split("=", 1) for e in env)


def test_services_and_scalable_worker(compose):
    services = compose["services"]
    assert AIRFLOW_SERVICES | {"postgres", "postgres-governance", "redis", "portal"} <= set(services)
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale airflow-worker=N works
    assert worker["command"] == "celery worker"
    assert services["flower"]["profiles"] == ["flower"]
    for name in AIRFLOW_SERVICES:
        assert _env(services[name])["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert _env(services[name])["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:"), name


def test_health_checks_everywhere(compose):
    for name, service in compose["services"].items():
        if name == "airflow-init":
            continue  # a one-shot job; the others wait for it to complete successfully
        assert service.get("healthcheck", {}).get("test"), name
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        assert compose["services"][name]["depends_on"]["airflow-init"]["condition"] == \
            "service_completed_successfully", name


def test_separate_databases_and_the_portal_has_no_route_to_airflow(compose):
    services = compose["services"]
    airflow_db = _env(services["airflow-scheduler"])["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    ledger = _env(services["airflow-worker"])["ANDANH_LEDGER_URL"]
    assert "@postgres/airflow" in airflow_db and "@postgres-governance/andanh" in ledger
    portal = services["portal"]
    assert portal["networks"] == ["portal"]
    reachable = {n for n, s in services.items() if "portal" in s.get("networks", [])}
    assert reachable == {"portal", "postgres-governance"}
    assert not any(k.startswith("AIRFLOW") for k in _env(portal))
    assert "ANDANH_PSEUDONYM_KEY" not in _env(portal)  # the portal never pseudonymises


def test_shared_data_root_volume(compose):
    services = compose["services"]
    for name in AIRFLOW_SERVICES:
        assert "andanh-data:/data" in services[name]["volumes"], name
        assert _env(services[name])["ANDANH_WORKDIR"] == "/data"
    published = [v for v in services["portal"]["volumes"] if v["target"] == "/data/published"]
    assert published and published[0]["read_only"] and published[0]["source"] == "andanh-data"
    assert "andanh-data" in compose["volumes"]


def test_no_secret_inline_and_every_reference_is_in_the_env_example(compose, env_example):
    text = (ROOT / "docker-compose.yml").read_text()
    for name, service in compose["services"].items():
        for key, value in _env(service).items():
            if SECRET_NAME.search(key):
                assert REFERENCE.fullmatch(value), f"{name}.{key} must come from .env"
            for part in re.findall(r"://[^:@/]+:([^@/]+)@", value):  # passwords inside URLs
                assert REFERENCE.fullmatch(part), f"{name}.{key}: inline password"
    referenced = set(REFERENCE.findall(text))
    assert referenced <= set(env_example), referenced - set(env_example)
    for key, value in env_example.items():
        if SECRET_NAME.search(key):
            assert value == "change-me", f".env.example {key} holds a value"
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_every_setting_the_code_reads_is_set_and_known(compose, env_example):
    fields = set(Settings.model_fields)
    required = {"mode", "workdir", "source", "ledger_url", "pseudonym_key"}
    worker = _env(compose["services"]["airflow-worker"])
    given = {k[len("ANDANH_"):].lower() for k in worker if k.startswith("ANDANH_")}
    assert required <= given, required - given
    names = given | {k[len("ANDANH_"):].lower() for k in env_example if k.startswith("ANDANH_")}
    unknown = names - fields - {"image", "db_user", "db_password", "source_host_dir"}  # compose-only names
    unknown -= {"signing_key", "audit_signing_key"} - fields  # read by the publish and portal modules
    assert not unknown, unknown
    assert worker["ANDANH_MODE"] == "deployed" and worker["ANDANH_WORKDIR"].startswith("/")
    # the settings the image ends up with validate in deployed mode
    Settings.model_validate({"mode": "deployed", "workdir": worker["ANDANH_WORKDIR"]})


def test_dockerfile_uses_the_official_image_and_installs_non_editable():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG AIRFLOW_VERSION=3\.3\.\d+$", text, re.M)
    assert re.search(r"^FROM apache/airflow:\$\{AIRFLOW_VERSION\}-python3\.11$", text, re.M)
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert installs and not any(" -e " in line or "--editable" in line for line in installs)
    assert "PACKAGED_MODEL" in text and "ensure_model(" not in text  # the spaCy pipeline is package data
    assert "COPY --chown=airflow:0 dags /opt/airflow/dags" in text
    assert not re.search(r"(?i)(password|secret|_key)\s*=", text.replace("ANDANH_SPACY_MODEL", ""))


@pytest.mark.slow
def test_the_wheel_carries_suites_policy_and_hierarchies(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(tmp_path.glob("andanh-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("pipelines/quality/expectations/xml1.json", "pipelines/quality/expectations/xml5.json",
                   "pipelines/deidentify/policy.yaml", "pipelines/hierarchies/icd10_blocks.tsv",
                   "pipelines/schema/xml130_4750.yaml", "pipelines/reference/provinces_34.tsv",
                   "pipelines/detect/spacy_vi/config.cfg", "pipelines/detect/spacy_vi/vocab/strings.json",
                   "pipelines/detect/spacy_vi/tokenizer/cfg"):
        assert needed in names, needed
    # installed elsewhere, the suites are found through the package, not the source tree
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    probe = subprocess.run([sys.executable, "-c", "from pipelines.quality.engine import DEFAULT_EXPECTATIONS_DIR "
                            "as d; print(d); assert (d / 'xml1.json').is_file(); "
                            "from pipelines.detect.nlp import default_model_path as m; print(m())"], cwd=tmp_path,
                           env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "GX_ANALYTICS_ENABLED": "0",
                                "HOME": str(tmp_path / "home")}, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr[-2000:]
    found = probe.stdout.split()
    assert found[0].startswith(str(target)) and found[1] == str(target / "pipelines/detect/spacy_vi")
