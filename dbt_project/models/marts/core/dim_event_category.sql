-- 事件分类 event categories: the tree from the seed plus any code the feed uses
-- that the tree lacks (its parent taken from the first two digits).
with

tree as (
    select * from {{ ref('event_categories') }}
),

event_states as (
    select * from {{ ref('int_event_state_changes') }}
),

seen as (
    select distinct category_code
    from event_states
    where category_code is not null
),

unioned as (
    select
        coalesce(tree.category_code, seen.category_code) as category_code,
        tree.category_name_zh,
        tree.category_name_en,
        coalesce(
            tree.parent_code,
            case when length(seen.category_code) > 2 then substr(seen.category_code, 1, 2) end
        ) as parent_code,
        coalesce(tree.category_level, cast(length(seen.category_code) / 2 as integer)) as category_level,
        tree.standard,
        tree.category_code is not null as is_listed
    from tree
    full outer join seen on tree.category_code = seen.category_code
),

final as (
    select
        unioned.category_code,
        unioned.category_name_zh,
        unioned.category_name_en,
        unioned.parent_code,
        unioned.category_level,
        coalesce(parents.category_code, unioned.category_code) as top_category_code,
        coalesce(parents.category_name_zh, unioned.category_name_zh) as top_category_name_zh,
        unioned.standard,
        unioned.is_listed
    from unioned
    left join tree as parents on unioned.parent_code = parents.category_code
)

select * from final
