# Airflow 3 image for zhiwang: the project's own Airflow environment
# (envs/airflow, with the project installed editable) plus a CJK font for the
# weekly brief's PDF. One image for api-server, scheduler, dag-processor and
# triggerer; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9

WORKDIR /opt/zhiwang
COPY . /opt/zhiwang
# --frozen: the image is built from the committed lock, never re-resolved.
RUN uv sync --frozen --no-dev --project envs/airflow
ENV PATH=/opt/zhiwang/envs/airflow/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/zhiwang/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__CORE__DEFAULT_TIMEZONE=Asia/Shanghai \
    DO_NOT_TRACK=1
ENTRYPOINT ["airflow"]
CMD ["version"]
