{#- Labels of the stewardship queue (数据治理) for the data office's page and
    lists: the department that corrects, the kind of disagreement and its age
    bucket (docs/GOLDEN_RECORDS.md). Plain CASE expressions, portable to Spark. -#}

{% macro stewardship_department_name(column) -%}
    case {{ column }}
        when 'public_security' then '公安（人口登记）'
        when 'grid' then '网格采集'
        when 'social_security' then '人社（社保）'
        when 'housing' then '住建（房屋）'
        when 'market_regulation' then '市场监管'
        when 'civil_affairs' then '民政'
        when 'events' then '实有事件'
        when 'facilities' then '设施'
        else {{ column }}
    end
{%- endmacro %}

{% macro stewardship_kind_name(subject_type, attribute_name) -%}
    {%- set kinds = [
        ('person', 'name', '人员·姓名不一致'),
        ('person', 'phone', '人员·联系电话不一致'),
        ('person', 'residence_room', '人员·居住房屋不一致'),
        ('entity', 'code', '法人·代码错写或未能匹配'),
        ('entity', 'registration_status', '法人·已注销仍有参保'),
        ('building', 'building_code', '房屋·楼栋编码缺失或未登记'),
        ('building', 'building_snapshot_row', '房屋·楼栋台账缺行'),
    ] %}
    case
        {%- for subject, attribute, name in kinds %}
            when {{ subject_type }} = '{{ subject }}' and {{ attribute_name }} = '{{ attribute }}' then '{{ name }}'
        {%- endfor %}
        else {{ subject_type }} || '/' || {{ attribute_name }}
    end
{%- endmacro %}

{#- age buckets: 0-6 days (= opened in the last 7 days), 7-29, 30-89, 90+ -#}
{% macro stewardship_age_bucket(age_days) -%}
    case
        when {{ age_days }} < 7 then '0-6天'
        when {{ age_days }} < 30 then '7-29天'
        when {{ age_days }} < 90 then '30-89天'
        else '90天以上'
    end
{%- endmacro %}
