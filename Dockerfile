# AnDanh on the official Airflow image (Airflow 3.3, Python 3.11). Build: docker compose build
# The project is installed non-editable (a wheel): the expectation suites, the de-identification
# policy, the hierarchies, reference tables and the blank spaCy pipeline are package data, so
# nothing is downloaded or built at run time.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11

USER root
RUN mkdir -p /data /opt/andanh && chown -R airflow:0 /data /opt/andanh
USER airflow

# Pinned dependencies first (cached layer), then the project itself, without editable mode.
COPY --chown=airflow:0 requirements.txt /tmp/andanh/requirements.txt
RUN pip install --no-cache-dir -r /tmp/andanh/requirements.txt
COPY --chown=airflow:0 pyproject.toml README.md LICENSE NOTICE /tmp/andanh/
COPY --chown=airflow:0 pipelines /tmp/andanh/pipelines
RUN pip install --no-cache-dir --no-deps /tmp/andanh && rm -rf /tmp/andanh

# The package data is there: the suites and the spaCy pipeline (loaded once, as the workers will).
RUN python -c "from pipelines.quality.engine import DEFAULT_EXPECTATIONS_DIR as d; assert (d / 'xml1.json').is_file(), d" \
 && python -c "from pipelines.detect.nlp import PACKAGED_MODEL as m, default_model_path as p; assert p() == m; import spacy; spacy.load(m)"

# DAG files and the plug-in they import; the data root is a volume shared by every service.
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
ENV ANDANH_MODE=deployed \
    ANDANH_WORKDIR=/data \
    GX_ANALYTICS_ENABLED=False
VOLUME ["/data"]
