# Superset 6 image for zhiwang: Superset's own environment (envs/superset;
# it cannot share Airflow's) with the dashboards-as-code bootstrap.
FROM python:3.11-slim-bookworm

RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /opt/zhiwang
COPY . /opt/zhiwang
RUN uv sync --frozen --no-dev --project envs/superset
ENV PATH=/opt/zhiwang/envs/superset/.venv/bin:$PATH \
    SUPERSET_CONFIG_PATH=/opt/zhiwang/envs/superset/superset_config.py
CMD ["superset", "run", "--host", "0.0.0.0", "--port", "8088", "--with-threads"]
