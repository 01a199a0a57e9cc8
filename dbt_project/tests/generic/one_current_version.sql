{#- SCD2 integrity: each key has exactly one current version and its
    versions do not overlap. -#}
{% test one_current_version(model, key) %}
with

versions as (
    select * from {{ model }}
),

per_key as (
    select
        {{ key }},
        count(*) filter (where is_current) as current_versions
    from versions
    group by {{ key }}
),

overlapping as (
    select {{ key }}
    from (
        select
            {{ key }},
            valid_from,
            lag(valid_to) over (partition by {{ key }} order by valid_from) as previous_valid_to
        from versions
    ) as ordered
    where previous_valid_to is null and valid_from is null
        or previous_valid_to > valid_from
)

select {{ key }} from per_key where current_versions <> 1
union all
select {{ key }} from overlapping
{% endtest %}
