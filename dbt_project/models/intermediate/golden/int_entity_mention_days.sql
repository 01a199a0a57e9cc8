-- Each employer code the insured-person feed (参保人员) and the grid channel
-- (网格采集) name, per delivery date, counted as delivered (flagged rows
-- included): the daily part of int_entity_mentions' social_security_insured
-- and grid_collection mentions, which adds the days up. Incremental on the
-- delivery date (macros/incremental.sql delivery_date_config): a date a load
-- touched, in either feed, is re-derived as a whole from staging, so a
-- re-delivered file (its earlier batch superseded, gone from staging) replaces
-- the date's rows. A daily build groups the day's rows, not every row the two
-- feeds ever delivered (district: 7.8M rows over six dates, regrouped in every
-- build before).
{#- the feeds: (entity_source, department, staging model with employer_uscc,
    delivery_date, quality_flags and loaded_at) -#}
{%- set feeds = [
    ('social_security_insured', 'social_security', 'stg_social_security__insured_person_changes'),
    ('grid_collection', 'grid', 'stg_population__grid_collections'),
] -%}
{%- set models = [] -%}
{%- set relations = [] -%}
{%- for feed in feeds -%}
    {%- do models.append(feed[2]) -%}
    {%- do relations.append(ref(feed[2])) -%}
{%- endfor -%}

{{ config(delivery_date_config(models)) }}

{#- compiled once: with a literal type, the touched dates are read at compile time -#}
{%- set touched -%}
    {{ where_any_touched_since_watermark(relations, 'delivery_date', 'loaded_at', 'date') }}
{%- endset %}

with

both_feeds as (
    {%- for entity_source, department, model in feeds %}
        select
            '{{ entity_source }}' as entity_source,
            '{{ department }}' as department,
            employer_uscc as delivered_code,
            delivery_date,
            max(case when quality_flags like '%invalid_uscc%' then 1 else 0 end) as flagged_invalid,
            count(*) as record_count,
            max(loaded_at) as loaded_at
        from {{ ref(model) }}
        {{ touched }}
        group by employer_uscc, delivery_date
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- every row of a date carries the date's newest load (of either feed): each row
-- a run writes carries the load time that made it re-derive the date, so the
-- grain test may read only rows loaded since the last tested build
final as (
    select
        entity_source,
        department,
        delivered_code,
        delivery_date,
        flagged_invalid,
        record_count,
        max(loaded_at) over (partition by delivery_date) as loaded_at
    from both_feeds
    where delivered_code is not null
)

select * from final
