"""Orchestration logic the Airflow DAGs in ``dags/`` call, and the runner behind ``zhiwang run``.

Modules here other than ``driver`` never import Airflow at module level, so the
root environment (no Airflow) can import and test them; Airflow lives in
``envs/airflow``.
"""
