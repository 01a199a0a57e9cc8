with

spine as (
    {{ dbt.date_spine(
        datepart='day',
        start_date=dbt.cast(dbt.string_literal(var('calendar_start')), 'date'),
        end_date=dbt.cast(dbt.string_literal(var('calendar_end')), 'date'),
    ) }}
),

final as (
    select
        cast(date_day as date) as date_day,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ iso_weekday('date_day') }} as integer) as iso_weekday,
        {{ iso_weekday('date_day') }} >= 6 as is_weekend
    from spine
)

select * from final
