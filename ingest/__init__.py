"""The ingest: delivered files → typed raw Parquet + quarantine + audit rows."""

import os
import sys

# polars' allocator (jemalloc) hands freed memory back to the OS after 0.5 s by
# default. The ingest frees and re-allocates chunk-sized buffers several times a
# second, so every chunk page-faulted its memory afresh. Measured over the district
# deliveries (50M rows; /usr/bin/time): polars' default 78.7 s wall, 28.5 system-s,
# peak RSS 2.9 GB; freed memory kept (decay off) 66.8 s, 12.8 system-s, 3.8 GB;
# kept in one arena (this setting) 68.3 s, 13.4 system-s, 3.3 GB. Freed memory is
# kept for reuse until the process exits. jemalloc reads the setting once, when
# polars is first imported (import ``ingest`` first); an operator's own
# _RJEM_MALLOC_CONF is left as it is; child processes do not inherit it.
if "polars" not in sys.modules and "_RJEM_MALLOC_CONF" not in os.environ:
    os.environ["_RJEM_MALLOC_CONF"] = "dirty_decay_ms:-1,muzzy_decay_ms:-1,narenas:1"
    try:
        import polars  # noqa: F401
    finally:
        os.environ.pop("_RJEM_MALLOC_CONF", None)
