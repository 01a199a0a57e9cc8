{#- The event SLA rules (处置时限), one place for the fact and its unit tests.
    Deadline: the one set on dispatch; without it, dispatch (else report) time
    plus var sla_close_hours. On time: the milestone happened and not after
    the deadline; null while the milestone has not happened. -#}
{% macro event_deadline(deadline_at, dispatched_at, reported_at) -%}
    coalesce(
        {{ deadline_at }},
        {{ dbt.dateadd('hour', var('sla_close_hours'), 'coalesce(' ~ dispatched_at ~ ', ' ~ reported_at ~ ')') }}
    )
{%- endmacro %}

{% macro event_on_time(milestone_at, deadline_expr) -%}
    case when {{ milestone_at }} is not null then {{ milestone_at }} <= {{ deadline_expr }} end
{%- endmacro %}

{% macro event_dispatched_on_time(dispatched_at, registered_at) -%}
    case
        when {{ dispatched_at }} is not null
            then {{ dispatched_at }} <= {{ dbt.dateadd('hour', var('sla_dispatch_hours'), registered_at) }}
    end
{%- endmacro %}

{#- 线上量化考核 the assessment score, 0-100, from rates in [0, 1]. Weights:
    closure on time 40, dispatch on time 20, no rework 20, no overdue 20.
    A rate without a denominator is NULL and so is the score: a unit that
    closed (or dispatched) nothing in the period is not assessed, rather than
    given full marks for it. -#}
{% macro event_score(closed_on_time_rate, dispatched_on_time_rate, rework_rate, overdue_rate) -%}
    round(
        40 * {{ closed_on_time_rate }}
        + 20 * {{ dispatched_on_time_rate }}
        + 20 * (1 - {{ rework_rate }})
        + 20 * (1 - {{ overdue_rate }}),
        2
    )
{%- endmacro %}
