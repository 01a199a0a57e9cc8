with

source as (
    select * from {{ source('population', 'ga_rkxx') }}
),

renamed as (
    select
        gmsfhm as citizen_id,
        xm as person_name,
        case xbdm when '1' then 'male' when '2' then 'female' else 'unknown' end as sex,
        csrq as birth_date,
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
