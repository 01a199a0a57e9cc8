# Airflow 3 image for zhiwang: the project's own Airflow environment
# (envs/airflow, with the project installed editable; its lock brings the
# brief's CJK font as the mplfonts wheel, so no apt font package). One image for
# api-server, scheduler, dag-processor and triggerer; docker-compose.yml picks
# the command.
FROM python:3.11-slim-bookworm

RUN pip install --no-cache-dir uv==0.13.9

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
