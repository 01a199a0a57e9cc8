-- 人口时点 the population as-of date, one row: the newest delivery date of the
-- population feed (register or grid channel). The one definition every
-- person-status row is computed at (int_person_status) and that
-- fct_person_status, fct_population_snapshot and the headline figures carry.
{{ config(materialized='table') }}

with

deliveries as (
    select delivery_date from {{ ref('stg_population__register_records') }}
    union all
    select delivery_date from {{ ref('stg_population__grid_collections') }}
)

select max(delivery_date) as as_of_date
from deliveries
