"""One group of figures, measured in this process and written as JSON; bench.run starts a
fresh process for each group, with the settings of that scale in its environment.

    python -m bench.measure scale --out FILE [--runs 5] [--budget 30] [--digest-readers 1000 10000]
    python -m bench.measure recompute-peak --out FILE
    python -m bench.measure export-peak --out FILE
"""

import argparse
import json
import os
from pathlib import Path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.measure")
    parser.add_argument("what", choices=["scale", "recompute-peak", "export-peak"])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per figure")
    parser.add_argument("--digest-readers", type=int, nargs="*", default=[])
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from tracker.celery import app

    # A save queues its recompute on the in-memory broker, where no worker takes it: the
    # benchmark runs and times that recompute itself.
    app.conf.task_always_eager = False

    from bench import figures

    if args.what == "scale":
        result = figures.scale_figures(args.runs, args.budget, tuple(args.digest_readers))
    elif args.what == "recompute-peak":
        result = {"recompute_peak_mb": figures.recompute_peak_mb()}
    else:
        result = {"export_peak_mb": figures.export_peak_mb()}
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
