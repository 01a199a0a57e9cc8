"""Typed parsers: normalised strings → typed values, and the mask of values that failed.

Every parser takes a ``pl.Series`` of normalised strings (null = missing) and
returns ``(typed, bad)`` where ``bad`` is True only for a present value that
could not be interpreted. Formats are tried in contract order, then liberal
fallbacks (ISO variants, Excel serial numbers from spreadsheet cells).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

LOCAL_TZ = "Asia/Shanghai"
EXCEL_EPOCH = datetime(1899, 12, 30)
# A serial between these is a date 1927..2119: wider than any field here needs,
# narrow enough that an 8-digit YYYYMMDD is never read as a serial.
_SERIAL_RANGE = (10_000, 80_000)

DATE_FALLBACKS = ["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d"]
DATETIME_FALLBACKS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y%m%d%H%M%S",
]
_TZ_FORMATS = [
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%:z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
]

TRUE_WORDS = ["true", "t", "1", "yes", "y", "是", "1.0"]
FALSE_WORDS = ["false", "f", "0", "no", "n", "否", "0.0"]


def _bad(values: pl.Series, parsed: pl.Series) -> pl.Series:
    return (values.is_not_null() & parsed.is_null()).alias(values.name)


def _excel_serial(values: pl.Series) -> pl.Series:
    """Excel day serials (possibly fractional) as datetimes, null elsewhere."""
    num = values.str.strip_chars().cast(pl.Float64, strict=False)
    num = num.set((num < _SERIAL_RANGE[0]) | (num > _SERIAL_RANGE[1]), None)
    micros = (num * 86_400_000_000).round(0).cast(pl.Int64)
    return pl.select(pl.lit(EXCEL_EPOCH) + pl.duration(microseconds=micros)).to_series()


def _first_parse(
    values: pl.Series, dtype: type[pl.DataType] | pl.DataType, formats: list[str]
) -> pl.Series:
    out = pl.repeat(None, values.len(), dtype=dtype, eager=True).alias(values.name)
    todo = values
    for fmt in dict.fromkeys(formats):
        missing = out.is_null() & values.is_not_null()
        if not missing.any():
            break
        if out.is_not_null().any():
            # Later formats see only the values no earlier format read (a few bad ones).
            todo = values.set(~missing, None)
        out = out.fill_null(todo.str.strptime(dtype, fmt, strict=False, exact=True))
    return out


def parse_date(values: pl.Series, formats: list[str] | None = None) -> tuple[pl.Series, pl.Series]:
    """Calendar dates; also datetimes with a midnight time part and Excel serials."""
    out = _first_parse(values, pl.Date, [*(formats or []), *DATE_FALLBACKS])
    missing = out.is_null() & values.is_not_null()
    if missing.any():
        rest = values.set(~missing, None)
        as_dt = _first_parse(rest, pl.Datetime("us"), DATETIME_FALLBACKS)
        out = out.fill_null(as_dt.dt.date())
        out = out.fill_null(_excel_serial(rest).dt.date())
    return out, _bad(values, out)


def _tz_parse(values: pl.Series) -> pl.Series:
    """ISO 8601 with an offset (or Z) → naive Asia/Shanghai local time; null elsewhere."""
    text = values.str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T").str.replace(r"Z$", "+00:00")
    out = pl.repeat(None, values.len(), dtype=pl.Datetime("us"), eager=True).alias(values.name)
    for fmt in _TZ_FORMATS:
        missing = out.is_null() & text.is_not_null()
        if not missing.any():
            break
        todo = text.set(~missing, None) if out.is_not_null().any() else text
        parsed = todo.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False, exact=True)
        out = out.fill_null(parsed.dt.convert_time_zone(LOCAL_TZ).dt.replace_time_zone(None))
    return out


def parse_datetime(
    values: pl.Series, formats: list[str] | None = None
) -> tuple[pl.Series, pl.Series]:
    """Local timestamps; an explicit offset is converted to Asia/Shanghai local time."""
    out = _first_parse(values, pl.Datetime("us"), [*(formats or []), *DATETIME_FALLBACKS])
    missing = out.is_null() & values.is_not_null()
    if missing.any():
        rest = values.set(~missing, None)
        out = out.fill_null(_tz_parse(rest))
        out = out.fill_null(_first_parse(rest, pl.Date, DATE_FALLBACKS).cast(pl.Datetime("us")))
        out = out.fill_null(_excel_serial(rest))
    return out, _bad(values, out)


def parse_timestamptz(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """ISO 8601 with offset → naive Asia/Shanghai; a value without offset is taken as local."""
    # Most values already carry +08:00: that is local time, no conversion needed.
    local = values.str.strip_suffix("+08:00")
    out = _first_parse(
        local.set(local.str.len_bytes() == values.str.len_bytes(), None),
        pl.Datetime("us"),
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"],
    )
    missing = out.is_null() & values.is_not_null()
    if missing.any():
        out = out.fill_null(_tz_parse(values.set(~missing, None)))
    missing = out.is_null() & values.is_not_null()
    if missing.any():
        rest = values.set(~missing, None)
        out = out.fill_null(_first_parse(rest, pl.Datetime("us"), DATETIME_FALLBACKS))
    return out, _bad(values, out)


def parse_yyyymm(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """YYYYMM, YYYY-MM / YYYY/MM, or a spreadsheet number like 202410.0 → first of month.

    A one-digit month ("2023-5") is not accepted: clerks' typos look like that.
    """
    # Fast path (no regex, no strptime): six ASCII digits with a month 01-12.
    num = values.str.to_integer(strict=False)
    plain = (values.str.len_bytes() == 6) & (num >= 100001) & (num % 100 >= 1) & (num % 100 <= 12)
    plain = plain.fill_null(False)
    month = num.set(~plain, None)
    out = pl.select(pl.date(month // 100, month % 100, 1)).to_series()
    rest = values.is_not_null() & ~plain
    if rest.any():
        text = values.str.replace(r"\.0+$", "").str.replace(r"^(\d{4})[-/.](\d{2})$", "${1}${2}")
        slow = (text + "01").str.strptime(pl.Date, "%Y%m%d", strict=False, exact=True)
        slow = slow.set(~text.str.contains(r"^\d{6}$").fill_null(False), None)
        out = out.fill_null(slow)
    return out.alias(values.name), _bad(values, out)


def parse_int(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Integers; thousands separators dropped, integral decimals ('12.0') accepted."""
    text = values.str.replace_all(",", "")
    out = text.str.to_integer(strict=False).cast(pl.Int64)
    if (out.is_null() & text.is_not_null()).any():
        num = text.cast(pl.Float64, strict=False)
        integral = num.set(num != num.round(0), None)
        out = out.fill_null(integral.cast(pl.Int64, strict=False))
    return out.alias(values.name), _bad(values, out)


def parse_decimal(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Decimals as DOUBLE; thousands separators dropped; NaN/inf rejected."""
    out = values.str.replace_all(",", "").cast(pl.Float64, strict=False)
    out = out.set(out.is_nan() | out.is_infinite(), None)
    return out.alias(values.name), _bad(values, out)


def parse_bool(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Booleans from the usual spellings (true/false, 1/0, yes/no, 是/否), any case."""
    low = values.str.to_lowercase()
    mapping = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
    out = low.replace_strict(mapping, default=None, return_dtype=pl.Boolean)
    return out.alias(values.name), _bad(values, out)


_SIMPLE_JSON_LIST = r'^\[\s*(?:"[^"\\,]*"\s*(?:,\s*"[^"\\,]*"\s*)*)?\]$'


def parse_list(values: pl.Series, separator: str | None = None) -> tuple[pl.Series, pl.Series]:
    """A JSON array text or ``separator``-joined text → list of trimmed strings."""
    is_json = values.str.starts_with("[").fill_null(False)
    plain = values.set(is_json, None)
    out = (
        plain.str.split(separator or "|")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    bad = pl.repeat(False, values.len(), eager=True).alias(values.name)
    if is_json.any():
        texts = values.set(~is_json, None)
        # Fast path without a JSON parser: arrays of strings with no escapes or commas.
        simple = texts.str.contains(_SIMPLE_JSON_LIST).fill_null(False)
        decoded = pl.select(
            pl.when(pl.lit(simple))
            .then(
                pl.lit(texts)
                .str.slice(1)
                .str.strip_suffix("]")
                .str.strip_chars()
                .str.split(",")
                .list.eval(pl.element().str.strip_chars())
                .list.eval(pl.element().filter(pl.element() != ""))
                .list.eval(pl.element().str.slice(1, pl.element().str.len_chars() - 2))
            )
            .alias(values.name)
        ).to_series()
        rest = texts.set(simple, None)
        if rest.is_not_null().any():
            try:
                other = rest.str.json_decode(pl.List(pl.String))
            except pl.exceptions.PolarsError:
                other = pl.Series(
                    [None if t is None else _json_list(t) for t in rest.to_list()],
                    dtype=pl.List(pl.String),
                )
            decoded = decoded.zip_with(simple, other)
        out = decoded if not plain.is_not_null().any() else out.zip_with(~is_json, decoded)
        bad = is_json & decoded.is_null()
    return out.alias(values.name), bad


def _json_list(text: str) -> list[str] | None:
    """Rare path: a JSON array with non-string items (numbers, nested) as strings."""
    import json

    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    return [i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items]
