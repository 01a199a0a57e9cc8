-- Question: how many cross-check findings does each rule have in each
-- community? rpt_cross_checks counted for dashboards and the weekly brief
-- (no keys, no evidence). Its counts can be counts of persons: publish
-- withholds the small ones (docs/PRIVACY.md).
with

findings as (
    select * from {{ ref('rpt_cross_checks') }}
),

final as (
    select
        rule_code,
        community_code,
        max(street_code) as street_code,
        max(severity) as severity,
        count(*) as findings
    from findings
    group by rule_code, community_code
)

select * from final
