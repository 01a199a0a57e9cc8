with

source as (
    select * from {{ source('population', 'ga_rkxx') }}
),

renamed as (
    select
        gmsfhm as citizen_id,
        xm as person_name,
        -- variants (M, 男, ...) normalised from the var sex_codes; anything else unknown
        case upper(trim(xbdm))
            {%- for raw, sex in var('sex_codes').items() %}
                when '{{ raw | upper }}' then '{{ sex }}'
            {%- endfor %}
            else 'unknown'
        end as sex,
        -- an impossible (future) birth date is no birth date: its age is unknown
        case when csrq > _delivery_date then null else csrq end as birth_date,
        csrq as birth_date_as_delivered,
        mzdm as ethnicity_code,
        hjlb = '1' as is_hukou,
        jzzbh as residence_permit_no,
        fwbm as room_code,
        substr(fwbm, 1, 17) as building_code,
        substr(fwbm, 1, 12) as community_code,
        rzrq as moved_in_on,
        lkrq as moved_out_on,
        lxdh as phone,
        {{ decode_change_type('czlx') }} as change_type,
        gxsj as changed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
