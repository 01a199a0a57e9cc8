with

source as (
    select * from {{ source('entities', 'scjg_frxx') }}
),

renamed as (
    select
        tyshxydm as uscc,
        mc as entity_name,
        case ztlx
            when '企业' then 'enterprise'
            when '个体工商户' then 'sole_trader'
            when '农民专业合作社' then 'farmer_cooperative'
        end as entity_type,
        fddbr as legal_rep_name,
        fddbrzjhm as legal_rep_citizen_id,
        zcdz as registered_address,
        jycsfwbm as premises_room_code,
        substr(jycsfwbm, 1, 17) as premises_building_code,
        hydm as industry_code,
        substr(hydm, 1, 1) as industry_section,
        case djzt
            when '存续' then 'active'
            when '在业' then 'active'
            when '注销' then 'cancelled'
            when '吊销' then 'revoked'
            when '迁出' then 'moved_out'
        end as registration_status,
        clrq as established_on,
        zxrq as cancelled_on,
        zczb as registered_capital_10k_yuan,
        cyrs as employee_count,
        gxsj as changed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
