-- 数据治理 the open disagreements about legal entities and buildings, one row
-- each, for the district data office's page: what to correct, in which
-- department, since when (rpt_stewardship_queue, docs/GOLDEN_RECORDS.md).
-- Published, so nothing in it may lead to a person (docs/PRIVACY.md):
--   * persons' disagreements are not listed (rpt_stewardship_counts counts them;
--     the department's weekly CSV lists them by pseudonym);
--   * a sole trader (个体工商户: the registry's type, or a USCC whose authority
--     and type characters are '92', GB 32100) is named after and run by one
--     person: its codes and values are withheld, the row stays (is_withheld);
--   * "a registry ended the entity, social security still insures persons with
--     it" shows that some are insured, not how many (a count of persons at one
--     employer).
-- Codes only: the queue carries no entity name, no address.
with

queue as (
    select * from {{ ref('rpt_stewardship_queue') }}
    where subject_type in ('entity', 'building')
),

sole_traders as (
    select distinct uscc
    from {{ ref('dim_legal_entity') }}
    where entity_type = 'sole_trader'
),

marked as (
    select
        queue.*,
        queue.subject_type = 'entity'
        and (
            sole_traders.uscc is not null
            or queue.subject_key like '92%'
            or queue.value_a like '92%'
            or queue.value_b like '92%'
        ) as is_withheld
    from queue
    left join sole_traders on queue.subject_key = sole_traders.uscc
),

final as (
    select
        -- the list's own numbering, oldest first (a withheld row's id, a hash of
        -- its USCC, could be recomputed from the registry: not published)
        -- bigint on both engines (Spark's row_number() is an int)
        cast(row_number() over (order by age_days desc, disagreement_id asc nulls last) as bigint) as item_number,
        case when is_withheld then cast(null as {{ dbt.type_string() }}) else disagreement_id end
            as disagreement_id,
        correcting_department,
        {{ stewardship_department_name('correcting_department') }} as department_name,
        subject_type,
        attribute_name,
        {{ stewardship_kind_name('subject_type', 'attribute_name') }} as kind_name,
        case when is_withheld then '个体工商户（不公开）' else subject_key end as subject_key,
        case when is_withheld then cast(null as {{ dbt.type_string() }}) else value_a end as value_a,
        source_a,
        {{ stewardship_department_name('source_a') }} as source_a_name,
        dated_a,
        case
            when is_withheld then cast(null as {{ dbt.type_string() }})
            when attribute_name = 'registration_status' then '仍有在保人员'
            else value_b
        end as value_b,
        source_b,
        {{ stewardship_department_name('source_b') }} as source_b_name,
        -- the employer's last insured change is one person's change date
        case when attribute_name = 'registration_status' then cast(null as timestamp) else dated_b end as dated_b,
        winning_source,
        -- the rule and its evidence (match rules' evidence names no code)
        decision_rule,
        is_withheld,
        opened_on,
        age_days,
        {{ stewardship_age_bucket('age_days') }} as age_bucket,
        as_of_date,
        cast(null as {{ dbt.type_string() }}) as street_code,
        cast(null as {{ dbt.type_string() }}) as community_code
    from marked
)

select * from final
