-- The building codes each delivered batch names, per source: the part of
-- int_building_mentions' coded mentions that one batch contributes. A batch's
-- rows never change once loaded, so a build adds the batches loaded since the
-- last one and the mentions add the batches up, instead of grouping every row
-- of eight sources ever delivered in each build (district: 18 M rows after a
-- week, growing by every day's rooms, register and grid rows). A batch a
-- re-delivery superseded leaves the raw views, and its rows leave here
-- (config dead_keys: the pre-hook on DuckDB, the key-scoped overwrite on
-- Spark, macros/spark_incremental.sql). Positions are summed as exact
-- decimals, so adding the batches up gives the same mean whatever the order
-- and however a build split them.
{%- set untyped_text = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
{%- set coded_sources = [
    ('housing_buildings', 'housing', ref('stg_housing__buildings'), 'building_code', 'grid_code', 'longitude', 'latitude'),
    ('housing_rooms', 'housing', ref('stg_housing__rooms'), 'building_code', none, none, none),
    ('rental_filings', 'housing', ref('stg_housing__rental_filing_changes'), 'building_code', none, none, none),
    ('population_register', 'public_security', ref('stg_population__register_records'), 'building_code', none, none, none),
    ('grid_collection', 'grid', ref('stg_population__grid_collections'), 'building_code', 'grid_code', 'longitude', 'latitude'),
    ('market_regulation', 'market_regulation', ref('stg_entities__market_entity_changes'), 'premises_building_code', none, none, none),
    ('civil_affairs', 'civil_affairs', ref('stg_entities__social_organisations'), 'premises_building_code', none, none, none),
    ('facilities', 'facilities', ref('stg_facilities__facilities'), 'building_code', none, 'longitude', 'latitude'),
] %}
{%- set degrees = 'decimal(18, 9)' %}
{{ config(
    materialized='incremental',
    unique_key='batch_id',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
    dead_keys={'model': 'stg_audit__batches', 'where': 'not is_live'},
    pre_hook="{{ drop_rows_of_dead_keys() }}",
) }}
{%- set watermark = incremental_watermark('loaded_at') if is_incremental() else none %}
-- depends_on: {{ ref('stg_audit__batches') }}

with

coded as (
    {%- for source, department, relation, code, grid, lon, lat in coded_sources %}
        select
            batch_id,
            '{{ source }}' as building_source,
            '{{ department }}' as department,
            {{ code }} as building_code,
            {{ grid or untyped_text }} as grid_code,
            cast({{ lon or 'null' }} as {{ degrees }}) as longitude,
            cast({{ lat or 'null' }} as {{ degrees }}) as latitude,
            delivery_date,
            loaded_at
        from {{ relation }}
        where {{ code }} is not null{% if watermark %} and loaded_at > {{ watermark }}{% endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        batch_id,
        building_source,
        department,
        building_code,
        min(grid_code) as grid_code,
        sum(longitude) as longitude_sum,
        count(longitude) as longitude_count,
        sum(latitude) as latitude_sum,
        count(latitude) as latitude_count,
        min(delivery_date) as delivery_date,
        count(*) as record_count,
        max(loaded_at) as loaded_at
    from coded
    group by batch_id, building_source, department, building_code
)

select * from final
