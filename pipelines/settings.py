"""One settings object for every module: environment (``ANDANH_*``), then CLI flags passed in by callers.

Every module reads its configuration through :func:`get_settings` instead of ``os.environ``.
In Airflow, task code passes DAG params and Airflow Variables/Connections in as arguments; what is
not given comes from here. ``andanh config`` prints the effective settings with secrets masked.

Two modes: ``embedded`` (the default: a local data root, SQLite, a generated pseudonym key allowed)
and ``deployed`` (``ANDANH_MODE=deployed``: an absolute data root is required and a missing key
stops the run unless ``ANDANH_REQUIRE_KEY=0`` says otherwise).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """Settings that cannot work together; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANDANH_", extra="ignore", validate_default=True)

    mode: Literal["embedded", "deployed"] = Field("embedded", description="embedded (local defaults) or deployed")
    workdir: Path = Field(Path("andanh-data"), description="data root holding every zone")
    source: str | None = Field(None, description="source folder of the andanh_kcb DAG")
    pseudonym_key: SecretStr | None = Field(None, description="master pseudonym key (>= 32 bytes, hex/base64)")
    require_key: bool | None = Field(None, description="refuse to generate a key (default: on when deployed)")
    vault_key: SecretStr | None = Field(None, description="custodian key of the re-identification vault "
                                        "(>= 32 bytes, hex/base64; never stored by the pipeline)")
    ledger_url: SecretStr | None = Field(None, description="SQLAlchemy URL of the run ledger")
    his_url: SecretStr | None = Field(None, description="HIS database for andanh his-pull")
    error_threshold: float = Field(0.2, ge=0.0, le=1.0, description="largest share of quarantined records")
    min_cell: int = Field(10, ge=1, description="minimum published cell size")
    policy: Path | None = Field(None, description="de-identification policy YAML")
    expectations_dir: Path | None = Field(None, description="folder of the Great Expectations suites")
    spacy_model: Path | None = Field(None, description="folder of the blank spaCy vi pipeline")
    ingest_workers: int | None = Field(None, ge=1, description="parser processes (1 = in process)")
    validate_max_files_in_place: int = Field(64, ge=0, description="files per table read in place by validate")
    validate_memory: str | None = Field(None, description="DuckDB memory limit of validate (default: duckdb_memory)")
    duckdb_memory: str = Field("4GB", description="DuckDB memory limit of every stage's connection (spills beyond)")
    duckdb_threads: int | None = Field(None, ge=1, description="DuckDB threads per connection (default: the cores)")
    duckdb_spill_max: str | None = Field(None, description="largest DuckDB spill per connection (default: 90% of free disk)")
    arrow_batch_rows: int = Field(200_000, ge=1_000, description="rows per Arrow batch when a stage streams a table")
    ingest_chunk_files: int = Field(1024, ge=1, description="source files per staging part written by one ingest chunk")
    phoner_dir: Path = Field(Path("~/.cache/andanh/phoner"), description=(
        "folder of the PhoNER_COVID19 train/dev syllable JSON read by andanh eval-phoner (never committed)"))
    release_lateness_days: int = Field(10, ge=0, description=(
        "days after a period ends before it is closed and released (its cells are then frozen)"))
    signing_key: SecretStr | None = Field(None, description=(
        "Ed25519 release signing key (PEM or 64 hex digits); embedded mode generates one in restricted/keys/"))
    lock_timeout_s: float = Field(3600.0, gt=0, description="longest wait for the release lock (seconds)")
    his_overlap_minutes: int = Field(60, ge=0, description="andanh_his reads updated_at from this long before "
                                     "its interval, so late commits are not lost")
    his_start_date: str = Field("2026-11-01", description="first data interval of andanh_his (catch-up from it)")
    retention_days: dict[str, int] = Field(default_factory=dict, description=(
        "retention override per zone in days (JSON, e.g. {\"landing\": 90}); unset zones follow legal.md"))
    worker_name: str | None = Field(None, description="name a Celery worker reports as task hostname")
    files_per_task: int = Field(200, ge=1, description="source files per mapped ingest task of andanh_kcb")
    deidentify_shards: int | None = Field(None, ge=1, le=1024, description=(
        "shards of a batch's episodes (by MA_LK), one mapped de-identify task each in andanh_kcb "
        "(default 4 there, 1 in one process; set it to the task slots of the Celery workers)"))
    validate_shards: int | None = Field(None, ge=1, le=1024, description=(
        "shards of a batch's episodes (by MA_LK), one mapped validate task each in andanh_kcb "
        "(default 4 there, 1 in one process)"))
    release_workers: int | None = Field(None, ge=1, le=64, description=(
        "processes freezing release pieces at once in andanh run (default: the cores; the DAG maps them instead)"))
    retry_delay_seconds: int = Field(120, ge=0, description="wait before an Airflow task is retried")
    openlineage_file: Path | None = Field(None, description="file the OpenLineage events are appended to "
                                          "(default <data root>/restricted/lineage/openlineage.jsonl)")
    audit_signing_key: SecretStr | None = Field(None, description=(
        "Ed25519 key (PEM or 32-byte hex) signing audit checkpoints and extract manifests"))
    audit_checkpoint_every: int = Field(100, ge=1, description="audit entries between signed checkpoints")
    portal_insecure_cookies: bool = Field(False, description="drop the Secure flag of portal cookies (plain-HTTP tests)")
    portal_session_minutes: int = Field(60, ge=1, description="lifetime of a portal session")
    controller: str | None = Field(None, description="the controller named on data-sharing agreements and the DPIA")
    dpo: str | None = Field(None, description="the data-protection officer or unit (LEG-35), named on every DPIA")
    extract_builds: Literal["portal", "airflow"] = Field("portal", description=(
        "who builds an approved extract: the portal at approval, or the andanh_extract DAG (deployed)"))
    log_format: Literal["text", "json"] = Field("text", description=(
        "command-line log lines: text, or one JSON object per line (stage and batch_id as fields)"))

    @field_validator("workdir", "phoner_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @model_validator(mode="after")
    def _deployed_needs_absolute_root(self) -> "Settings":
        if self.mode == "deployed" and not self.workdir.is_absolute():
            raise SettingsError(f"ANDANH_WORKDIR must be an absolute path in deployed mode, got {self.workdir}")
        return self

    @property
    def key_required(self) -> bool:
        return self.require_key if self.require_key is not None else self.mode == "deployed"

    def masked(self) -> dict[str, str | None]:
        """Every setting as text, secrets shown only as set / unset (for ``andanh config``)."""
        out: dict[str, str | None] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[name] = "********" if value.get_secret_value() else None
            else:
                out[name] = None if value is None else str(value)
        out["key_required"] = str(self.key_required)
        return out


def get_settings(**overrides) -> Settings:
    """The effective settings: environment now (re-read on every call), then ``overrides`` that are not None."""
    try:
        base = Settings()
    except SettingsError:
        raise
    except ValueError as exc:  # pydantic's ValidationError: name the variable
        raise SettingsError(_explain(exc)) from None
    given = {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return base
    try:
        return Settings.model_validate(base.model_dump() | given)
    except ValueError as exc:
        raise SettingsError(_explain(exc)) from None


def _explain(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    parts = []
    for e in errors():
        loc = ".".join(str(x) for x in e.get("loc", ())) or "settings"
        parts.append(f"ANDANH_{loc.upper()}: {e.get('msg')}")
    return "; ".join(parts)
