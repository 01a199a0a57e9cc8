-- The Airflow database is created by POSTGRES_DB; Superset gets its own.
create database superset;
