-- Question: how many cases did each cross-check find in each community? The
-- findings of rpt_cross_check_counts (counted per rule and the mart's own
-- community: the subject's residence or premises, else the related entity's;
-- a count below the disclosure threshold withheld) with area and rule names.
-- No keys, no evidence text (Superset dataset rpt_cross_check_findings).
with

areas as (
    select * from {{ published('dim_community_current') }}
),

final as (
    select
        areas.street_code,
        areas.street_name,
        counts.community_code,
        areas.community_name,
        counts.rule_code,
        {{ cross_check_rule_name('counts.rule_code') }} as rule_name,
        counts.findings
    from {{ published('rpt_cross_check_counts') }} as counts
    left join areas on counts.community_code = areas.community_code
)

select * from final
