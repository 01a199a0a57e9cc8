-- 数据治理 the stewardship queue per department that should correct its records:
-- how many disagreements are open, how many were opened in the last 7 days, how
-- many have stood 7-29, 30-89 and 90+ days, and how old they are
-- (rpt_stewardship_queue, docs/GOLDEN_RECORDS.md). District level: no street or
-- community (the district data office's page, not a street or community
-- leader's).
with

queue as (
    select * from {{ ref('rpt_stewardship_queue') }}
),

final as (
    select
        correcting_department,
        {{ stewardship_department_name('correcting_department') }} as department_name,
        subject_type,
        attribute_name,
        {{ stewardship_kind_name('subject_type', 'attribute_name') }} as kind_name,
        count(*) as open_count,
        count(case when age_days < 7 then 1 end) as opened_last_7_days_count,
        count(case when age_days >= 7 and age_days < 30 then 1 end) as age_7_29_days_count,
        count(case when age_days >= 30 and age_days < 90 then 1 end) as age_30_89_days_count,
        count(case when age_days >= 90 then 1 end) as age_90_plus_days_count,
        max(age_days) as oldest_age_days,
        round(avg(age_days), 1) as mean_age_days,
        max(as_of_date) as as_of_date,
        cast(null as {{ dbt.type_string() }}) as street_code,
        cast(null as {{ dbt.type_string() }}) as community_code
    from queue
    group by correcting_department, subject_type, attribute_name
)

select * from final
