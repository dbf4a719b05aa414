# Two commands for a newcomer: `make demo` (the whole job on embedded defaults) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
DEMO   := .demo
DEMO_ENCOUNTERS ?= 10000
# Embedded Airflow: SQLite metadata, LocalExecutor, no examples, few workers.
AIRFLOW_ENV = AIRFLOW_HOME=$(CURDIR)/$(DEMO)/airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__PLUGINS_FOLDER=$(CURDIR)/plugins AIRFLOW__CORE__LOAD_EXAMPLES=False \
	AIRFLOW__CORE__EXECUTOR=LocalExecutor AIRFLOW__CORE__PARALLELISM=2 \
	AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$(CURDIR)/$(DEMO)/airflow/airflow.db \
	GX_ANALYTICS_ENABLED=False NO_COLOR=1

.PHONY: install demo test bench bench-extract docs clean eval-phoner

install: $(STAMP)
$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

demo: install
	@mkdir -p $(DEMO)/airflow
	$(BIN)/andanh synth --encounters $(DEMO_ENCOUNTERS) --seed 7 --defects 0.02 --out $(DEMO)/synth > /dev/null
	@$(AIRFLOW_ENV) $(BIN)/airflow db migrate > $(DEMO)/airflow/migrate.log 2>&1 || \
		(tail -20 $(DEMO)/airflow/migrate.log; exit 1)
	@echo "running DAG andanh_kcb with airflow dags test (log: $(DEMO)/airflow/dags-test.log)"
	@$(AIRFLOW_ENV) ANDANH_SOURCE=$(CURDIR)/$(DEMO)/synth/xml ANDANH_WORKDIR=$(CURDIR)/$(DEMO)/data \
		$(BIN)/airflow dags test andanh_kcb 2025-03-01 > $(DEMO)/airflow/dags-test.log 2>&1 || \
		(tail -40 $(DEMO)/airflow/dags-test.log; exit 1)
	@$(BIN)/andanh summary --workdir $(DEMO)/data

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -p no:cacheprovider

bench: install
	$(BIN)/python -m bench

bench-extract: install  # research extracts only: ours, pycanon, anjana
	$(BIN)/python -m bench.extract

# PhoNER_COVID19 train/dev (research licence, kept outside the repository) when present.
eval-phoner: install
	$(BIN)/andanh eval-phoner

docs: install
	$(BIN)/andanh schema > docs/data_dictionary.md

clean:
	rm -rf $(DEMO) bench/out
