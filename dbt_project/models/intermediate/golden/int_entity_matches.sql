-- 关联比对 match decisions for legal entities: which golden record (a valid
-- USCC) each code a department delivered was merged into, by which rule and on
-- what evidence. One row per source and delivered code (int_entity_mentions).
-- Rules, in order (docs/GOLDEN_RECORDS.md):
--   exact_uscc        a valid USCC: it is its own golden record
--   check_character   an invalid 18-character code whose first 17 characters
--                     are those of exactly one known USCC (a typo in the check
--                     character, GB 32100)
--   organisation_code a 9-character code equal to the organisation code
--                     (characters 9-17, GB 11714) of exactly one known USCC
--                     (employers registered before the 2015 reform)
--   unmatched         anything else (no candidate, or more than one): no
--                     golden record; it goes to the stewardship queue
-- Known USCCs: the registries' codes and every valid code any source delivered.
{{ config(materialized='table') }}

with

mentions as (
    select * from {{ ref('int_entity_mentions') }}
),

known as (
    select distinct delivered_code as uscc
    from mentions
    where not is_flagged_invalid and length(delivered_code) = 18
),

check_character as (
    select
        mentions.entity_source,
        mentions.delivered_code,
        min(known.uscc) as golden_uscc,
        count(*) as candidate_count
    from mentions
    inner join known
        on
            substr(mentions.delivered_code, 1, 17) = substr(known.uscc, 1, 17)
            and mentions.delivered_code <> known.uscc
    where mentions.is_flagged_invalid and length(mentions.delivered_code) = 18
    group by mentions.entity_source, mentions.delivered_code
),

organisation_code as (
    select
        mentions.entity_source,
        mentions.delivered_code,
        min(known.uscc) as golden_uscc,
        count(*) as candidate_count
    from mentions
    inner join known
        on mentions.delivered_code = substr(known.uscc, 9, 9)
    where mentions.is_flagged_invalid and length(mentions.delivered_code) = 9
    group by mentions.entity_source, mentions.delivered_code
),

decided as (
    select
        mentions.entity_source,
        mentions.department,
        mentions.delivered_code,
        case
            when not mentions.is_flagged_invalid then mentions.delivered_code
            when check_character.candidate_count = 1 then check_character.golden_uscc
            when organisation_code.candidate_count = 1 then organisation_code.golden_uscc
        end as golden_uscc,
        case
            when not mentions.is_flagged_invalid then 'exact_uscc'
            when check_character.candidate_count = 1 then 'check_character'
            when organisation_code.candidate_count = 1 then 'organisation_code'
            else 'unmatched'
        end as match_rule,
        coalesce(check_character.candidate_count, organisation_code.candidate_count, 0) as candidate_count,
        mentions.first_seen_on,
        mentions.last_seen_on,
        mentions.record_count
    from mentions
    left join check_character
        on
            mentions.entity_source = check_character.entity_source
            and mentions.delivered_code = check_character.delivered_code
    left join organisation_code
        on
            mentions.entity_source = organisation_code.entity_source
            and mentions.delivered_code = organisation_code.delivered_code
),

final as (
    select
        entity_source,
        department,
        delivered_code,
        golden_uscc,
        match_rule,
        case match_rule
            when 'exact_uscc' then 'valid USCC as delivered'
            when 'check_character' then 'first 17 characters equal one known USCC; check character differs'
            when 'organisation_code' then 'organisation code (characters 9-17) of one known USCC'
            when 'unmatched' then
                case
                    when candidate_count > 1 then 'ambiguous: more than one known USCC fits'
                    else 'invalid code; no known USCC fits'
                end
        end as evidence,
        candidate_count,
        first_seen_on,
        last_seen_on,
        record_count
    from decided
)

select * from final
