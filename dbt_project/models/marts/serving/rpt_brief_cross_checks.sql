-- Question (weekly brief, section 关联比对): which cross-checks found the most
-- cases? Per rule, the findings of rpt_cross_check_counts summed over the
-- district's communities (brief 'district') or a street's, as published: a
-- count withheld by disclosure control adds nothing, and
-- communities_withheld says how many communities a sum leaves out.
with

counts as (
    select * from {{ published('rpt_cross_check_counts') }}
),

per_area as (
    select
        'district' as brief_area,
        rule_code,
        max(severity) as severity,
        sum(findings) as findings,
        count(case when findings is null then 1 end) as communities_withheld
    from counts
    group by rule_code
    union all
    select
        street_code as brief_area,
        rule_code,
        max(severity) as severity,
        sum(findings) as findings,
        count(case when findings is null then 1 end) as communities_withheld
    from counts
    where street_code is not null
    group by street_code, rule_code
),

final as (
    select
        brief_area,
        cast(row_number() over (
            partition by brief_area order by findings desc nulls last, rule_code asc nulls last
        ) as bigint) as brief_order,
        rule_code,
        {{ cross_check_rule_name('rule_code') }} as rule_name,
        severity,
        findings,
        communities_withheld
    from per_area
)

select * from final
