with

source as (
    select * from {{ source('facilities', 'ggss') }}
),

renamed as (
    select
        ssbm as facility_id,
        ssmc as facility_name,
        sslx as facility_type_zh,
        case sslx
            when '养老机构' then 'elderly_care_home'
            when '日间照料中心' then 'elderly_day_centre'
            when '托育机构' then 'childcare'
            when '幼儿园' then 'kindergarten'
            when '小学' then 'primary_school'
            when '初中' then 'junior_secondary_school'
            when '社区健康服务中心' then 'community_health_centre'
            when '医院' then 'hospital'
            when '社工站' then 'social_work_station'
        end as facility_type,
        case zgbm
            when '民政' then 'civil_affairs'
            when '教育' then 'education'
            when '卫健' then 'health'
        end as department,
        ldbm as building_code,
        sqdm as community_code,
        jd as longitude,
        wd as latitude,
        case rllx
            when '床位' then 'beds'
            when '学位' then 'seats'
            when '托位' then 'childcare_places'
            when '工位' then 'work_places'
        end as capacity_unit,
        hdrl as rated_capacity,
        zys as capacity_in_use,
        czsgs as licensed_social_workers,
        qyrq as opens_on,
        tyrq as closed_on,
        case zt
            when '运营' then 'operating'
            when '停业' then 'closed'
            when '在建' then 'under_construction'
        end as facility_status,
        gxsj as updated_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
