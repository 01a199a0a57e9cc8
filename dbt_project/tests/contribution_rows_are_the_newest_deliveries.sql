-- Conservation of the contribution rows (issue 15): int_contribution_rows
-- holds, for each month, exactly as many rows as the month's newest delivery
-- keeps (int_contribution_deliveries.kept_rows: one per key). A daily build
-- writes only a correction's changed rows, deleting and inserting by the
-- rows' fingerprints; a row returned names a month where that left a row too
-- many or too few (a lost or stale row, or the rare collision of two 64-bit
-- fingerprints): rebuild int_contribution_rows with --full-refresh.
with

held as (
    select
        contribution_month,
        count(*) as held_rows
    from {{ ref('int_contribution_rows') }}
    group by contribution_month
),

final as (
    select
        coalesce(deliveries.contribution_month, held.contribution_month) as contribution_month,
        deliveries.kept_rows,
        held.held_rows
    from {{ ref('int_contribution_deliveries') }} as deliveries
    full outer join held on deliveries.contribution_month = held.contribution_month
    where coalesce(deliveries.kept_rows, 0) <> coalesce(held.held_rows, 0)
)

select * from final
