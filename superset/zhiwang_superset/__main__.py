"""``python -m zhiwang_superset`` (see ``envs/superset/bootstrap.sh``)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from zhiwang_superset.envfile import load_env_file, load_secrets, serving_path, superset_home


def main() -> None:
    parser = argparse.ArgumentParser(prog="zhiwang_superset")
    parser.add_argument("command", choices=["bootstrap", "exposures"])
    parser.add_argument(
        "--serving-path",
        type=Path,
        default=None,
        help="serving copy (default: $ZHIWANG_SERVING_PATH, else <var_dir>/serving/...)",
    )
    args = parser.parse_args()
    load_env_file()
    load_secrets()
    os.environ["SUPERSET_HOME"] = str(superset_home())
    Path(os.environ["SUPERSET_HOME"]).mkdir(parents=True, exist_ok=True)
    if args.command == "exposures":
        from zhiwang_superset.exposures import write_exposures

        print(write_exposures())
        return
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from zhiwang_superset.bootstrap import bootstrap

    serving = (args.serving_path or serving_path()).resolve()
    # Rendered into the database URI of the assets (the running server reads it from there).
    os.environ["ZHIWANG_SERVING_PATH"] = str(serving)
    timings = bootstrap(serving)
    logging.getLogger("zhiwang_superset").info(
        "bootstrap done: %s", ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    )


if __name__ == "__main__":
    main()
