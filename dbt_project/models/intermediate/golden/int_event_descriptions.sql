-- What each grid-event report says (free text by the contract), for the
-- building rule described_address of int_building_matches: only compared with
-- registered addresses there, never kept (ephemeral: no table holds it).
{{ config(materialized='ephemeral') }}

select distinct
    event_id,
    event_description
from {{ ref('stg_events__event_state_changes') }}
where event_description is not null
