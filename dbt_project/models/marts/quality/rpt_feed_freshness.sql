-- Question: up to which day does each feed's loaded data run, and is a feed
-- behind the others? A delivery dated D carries the changes (or the
-- snapshot) up to the end of D-1 (var feed_data_lag_days), so a feed's data
-- runs to its newest loaded delivery minus that. A feed whose data stops
-- earlier than the newest feed's is behind: figures that mix feeds (the
-- brief's week, per-resident rates) cover its days only up to its date.
{%- set feeds = {
    'population': ['stg_population__register_records', 'stg_population__grid_collections'],
    'entities': ['stg_entities__market_entity_changes', 'stg_entities__social_organisations'],
    'housing': ['stg_housing__buildings', 'stg_housing__rooms', 'stg_housing__rental_filing_changes'],
    'social_security': [
        'stg_social_security__insured_person_changes',
        'stg_social_security__contributions',
        'stg_social_security__assistance_payments',
        'stg_social_security__registered_unemployment_changes',
    ],
    'events': ['stg_events__event_state_changes', 'stg_events__hotline_tickets'],
} %}
with

loaded as (
    {% for feed, models in feeds.items() %}
        {% for model in models %}
            select
                '{{ feed }}' as feed,
                max(delivery_date) as latest_delivery_date,
                max(loaded_at) as latest_loaded_at
            from {{ ref(model) }}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

per_feed as (
    select
        feed,
        max(latest_delivery_date) as latest_delivery_date,
        max(latest_loaded_at) as latest_loaded_at
    from loaded
    group by feed
),

dated as (
    select
        feed,
        max({{ dbt.dateadd('day', -1 * var('feed_data_lag_days'), 'latest_delivery_date') }}) over ()
            as newest_through_at,
        latest_delivery_date,
        cast(
            {{ dbt.dateadd('day', -1 * var('feed_data_lag_days'), 'latest_delivery_date') }} as date
        ) as data_through_date,
        latest_loaded_at
    from per_feed
),

final as (
    select
        feed,
        latest_delivery_date,
        data_through_date,
        cast(newest_through_at as date) as newest_data_through_date,
        cast({{ dbt.datediff('data_through_date', 'newest_through_at', 'day') }} as bigint) as days_behind,
        data_through_date < cast(newest_through_at as date) as is_behind,
        latest_loaded_at
    from dated
),

labelled as (
    -- the names the dashboards' 数据时效 table and the weekly brief show
    select
        feed,
        {{ feed_name('feed') }} as feed_name,
        latest_delivery_date,
        data_through_date,
        newest_data_through_date,
        days_behind,
        is_behind,
        case
            when is_behind then {{ dbt.concat(["'落后 '", 'cast(days_behind as ' ~ dbt.type_string() ~ ')', "' 天'"]) }}
            else '最新'
        end as status,
        case when is_behind then 'BEHIND' else 'up to date' end as status_en,
        latest_loaded_at
    from final
)

select * from labelled
