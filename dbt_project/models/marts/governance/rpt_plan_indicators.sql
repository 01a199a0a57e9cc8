-- Question: where do the district and each street stand against the plan
-- targets (规划指标)? One district row per indicator of the seed, plus one row
-- per street for the indicators that are a ratio to a street's own residents
-- (per 1,000 / per 10,000 residents or elderly, insured share). Absolute
-- district totals and registry-wide indicators stay district-only. Beds come
-- from the facilities snapshot (dim_facility: open facilities of the newest
-- snapshot), registered unemployment from its feed; definitions in
-- docs/DEFINITIONS.md. Measured value null only when a feed has not delivered
-- what it needs; the target is the plan's.
{#- The indicators that are a ratio to a unit's own residents, measured for
    the district and each street alike: (code, numerator, denominator, per,
    whether it needs the facilities feed). -#}
{%- set ratios = [
    ('elderly_care_beds_per_1000_elderly', 'institution_bed_count', 'elderly_60_plus_count', 1000, true),
    ('hospital_beds_per_1000', 'hospital_bed_count', 'managed_count', 1000, true),
    ('social_orgs_per_10000', 'social_organisation_count', 'managed_count', 10000, false),
    ('social_workers_per_10000_2020', 'certified_social_worker_count', 'managed_count', 10000, false),
    ('social_workers_per_10000_2025', 'certified_social_worker_count', 'managed_count', 10000, false),
    ('social_insurance_coverage', 'insured_working_age_count', 'working_age_count', 100, false),
] %}
with

targets as (
    select * from {{ ref('plan_indicators') }}
),

pressure as (
    select * from {{ ref('rpt_public_service_pressure') }}
),

coverage as (
    select * from {{ ref('rpt_social_security') }}
),

entities as (
    select * from {{ ref('dim_legal_entity') }}
    where is_current and registry = 'market_regulation'
),

all_facilities as (
    select * from {{ ref('dim_facility') }}
),

-- open facilities of the newest monthly snapshot (dim_facility.is_open)
facilities as (
    select * from all_facilities
    where is_open
),

-- whether the facilities feed delivered anything (else bed figures stay null)
facility_feed as (
    select count(*) as facility_count from all_facilities
),

unemployment as (
    select * from {{ ref('fct_registered_unemployment') }}
),

insured as (
    select * from {{ ref('int_insured_persons_current') }}
),

quarantine as (
    select * from {{ ref('stg_audit__quarantine') }}
),

batches as (
    select * from {{ ref('stg_audit__batches') }}
),

-- market-registry rows received but not loaded (live file versions only; a
-- repeated row is the same code again): each is a code without a credit file
quarantined_entity_rows as (
    select count(*) as quarantined_count
    from quarantine
    inner join batches on quarantine.batch_id = batches.batch_id
    where
        batches.is_live
        and quarantine.file_kind = 'scjg_frxx'
        and quarantine.reason_code not in ('duplicate_in_file', 'duplicate_key_in_file')
),

credit_codes as (
    select
        count(distinct case when length(entities.uscc) = 18 then entities.uscc end) as valid_count,
        count(distinct entities.uscc) + max(quarantined_entity_rows.quarantined_count) as received_count
    from entities
    cross join quarantined_entity_rows
),

district as (
    select
        sum(managed_count) as managed_count,
        sum(elderly_60_plus_count) as elderly_60_plus_count,
        sum(social_organisation_count) as social_organisation_count,
        sum(certified_social_worker_count) as certified_social_worker_count
    from pressure
),

-- beds by street (the unlocated street included); a district with no
-- facilities delivered yet has no rows, so its bed figures stay null
street_beds as (
    select
        street_code,
        sum(case when facility_type = 'elderly_care_home' and is_elderly_care_beds then rated_capacity else 0 end)
            as institution_bed_count,
        sum(case when is_elderly_care_beds then rated_capacity else 0 end) as elderly_care_bed_count,
        sum(case when is_hospital_beds then rated_capacity else 0 end) as hospital_bed_count
    from facilities
    group by street_code
),

-- null while no snapshot was delivered; 0 when one was but nothing is open
district_beds as (
    select
        case when max(facility_feed.facility_count) > 0 then coalesce(sum(street_beds.institution_bed_count), 0) end
            as institution_bed_count,
        case when max(facility_feed.facility_count) > 0 then coalesce(sum(street_beds.elderly_care_bed_count), 0) end
            as elderly_care_bed_count,
        case when max(facility_feed.facility_count) > 0 then coalesce(sum(street_beds.hospital_bed_count), 0) end
            as hospital_bed_count
    from facility_feed
    left join street_beds on true
),

-- 城镇登记失业率: registered unemployed over themselves plus the employed,
-- the employed being the insured persons whose insurance is active
registered as (
    select
        count(*) filter (where is_registered_unemployed) as registered_count,
        count(*) as unemployment_feed_persons
    from unemployment
),

employed as (
    select count(*) as employed_count
    from insured
    where insurance_status = 'active' and not is_deleted_upstream
),

labour as (
    select
        registered.registered_count,
        registered.unemployment_feed_persons,
        employed.employed_count
    from registered
    cross join employed
),

-- every street either mart knows (a street with residents but no supply
-- registered still gets its rows)
streets as (
    select street_code from pressure
    union
    select street_code from coverage
    where street_code is not null
    union
    select street_code from street_beds
),

district_coverage as (
    select
        sum(insured_working_age_count) as insured_working_age_count,
        sum(working_age_count) as working_age_count
    from coverage
),

street_coverage as (
    select
        street_code,
        sum(insured_working_age_count) as insured_working_age_count,
        sum(working_age_count) as working_age_count
    from coverage
    where street_code is not null
    group by street_code
),

-- the district and each street with the figures of the ratios (a street
-- without beds has 0 of them; the district's are null while no facilities
-- snapshot was delivered)
units as (
    select
        'district' as unit_level,
        cast(null as {{ dbt.type_string() }}) as street_code,
        district.managed_count,
        district.elderly_60_plus_count,
        district.social_organisation_count,
        district.certified_social_worker_count,
        district_coverage.insured_working_age_count,
        district_coverage.working_age_count,
        district_beds.institution_bed_count,
        district_beds.hospital_bed_count
    from district
    cross join district_beds
    cross join district_coverage
    union all
    select
        'street' as unit_level,
        streets.street_code,
        pressure.managed_count,
        pressure.elderly_60_plus_count,
        pressure.social_organisation_count,
        pressure.certified_social_worker_count,
        street_coverage.insured_working_age_count,
        street_coverage.working_age_count,
        coalesce(street_beds.institution_bed_count, 0) as institution_bed_count,
        coalesce(street_beds.hospital_bed_count, 0) as hospital_bed_count
    from streets
    left join pressure on streets.street_code = pressure.street_code
    left join street_coverage on streets.street_code = street_coverage.street_code
    left join street_beds on streets.street_code = street_beds.street_code
),

unit_measured as (
    {%- for code, numerator, denominator, per, needs_facilities in ratios %}
        select
            units.unit_level,
            units.street_code,
            '{{ code }}' as indicator_code,
            case
                when {{ 'facility_feed.facility_count > 0' if needs_facilities else 'true' }}
                    then {{ plan_rate('units.' ~ numerator, 'units.' ~ denominator, per) }}
            end as measured_value
        from units
        cross join facility_feed
        union all
    {%- endfor %}
    -- district-only: absolute totals and registry-wide indicators
    select
        'district' as unit_level,
        cast(null as {{ dbt.type_string() }}) as street_code,
        'elderly_care_beds_total' as indicator_code,
        cast(elderly_care_bed_count as double) as measured_value
    from district_beds
    union all
    select
        'district' as unit_level,
        cast(null as {{ dbt.type_string() }}) as street_code,
        'registered_unemployment_rate' as indicator_code,
        case
            when unemployment_feed_persons > 0
                then {{ plan_rate('registered_count', 'registered_count + employed_count', 100) }}
        end as measured_value
    from labour
    union all
    -- against what was delivered: market entities loaded with a valid USCC
    -- over every code received, quarantined rows included (the ingest
    -- quarantines invalid codes, so the loaded ones alone are 100% by construction)
    select
        'district' as unit_level,
        cast(null as {{ dbt.type_string() }}) as street_code,
        'enterprise_credit_files' as indicator_code,
        {{ plan_rate('valid_count', 'received_count', 100) }} as measured_value
    from credit_codes
),

district_rows as (
    select
        'district' as unit_level,
        targets.indicator_code,
        -- district-level rows: no street or community (row-level security
        -- scoped to a street or community does not show them)
        cast(null as {{ dbt.type_string() }}) as street_code,
        measured.measured_value
    from targets
    left join unit_measured as measured
        on
            targets.indicator_code = measured.indicator_code
            and measured.unit_level = 'district'
),

street_rows as (
    select
        'street' as unit_level,
        targets.indicator_code,
        streets.street_code,
        street_measured.measured_value
    from targets
    cross join streets
    left join unit_measured as street_measured
        on
            targets.indicator_code = street_measured.indicator_code
            and streets.street_code = street_measured.street_code
            and street_measured.unit_level = 'street'
    where
        targets.indicator_code in (
            {%- for ratio in ratios %}
                '{{ ratio[0] }}'{{ "," if not loop.last }}
            {%- endfor %}
        )
),

unioned as (
    select * from district_rows
    union all
    select * from street_rows
),

final as (
    select
        {{ dbt.concat(['unioned.unit_level', "'|'", 'unioned.indicator_code', "'|'", "coalesce(unioned.street_code, '')"]) }}
            as plan_indicator_key,
        targets.indicator_code,
        unioned.street_code,
        cast(null as {{ dbt.type_string() }}) as community_code,
        targets.indicator_name_zh,
        targets.indicator_name_en,
        targets.unit,
        targets.comparator,
        targets.target_value,
        targets.plan_name,
        targets.plan_end_year,
        unioned.measured_value,
        {{ plan_target_met('unioned.measured_value', 'targets.comparator', 'targets.target_value') }} as is_target_met,
        unioned.measured_value is not null as is_measured,
        unioned.unit_level
    from unioned
    inner join targets on unioned.indicator_code = targets.indicator_code
)

select * from final
