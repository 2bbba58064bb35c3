"""The benchmark's result: the keys issue 16 asks for, computed from the raw figures of both
scales, and the table printed and quoted in the README.

    python -m bench.report [bench/results/latest.json]   # print the table of a result
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# The pages measured at both scales, by the name the results use; the commitment and the
# pillar are the busiest of each scale (most milestones, most commitments).
PAGES = (
    "/",
    "/commitments/",
    "/commitments/<slug>/",
    "/pillars/<slug>/",
    "/api/v1/commitments/",
    "/feed/milestones.atom",
    "/export/milestones.csv",
)
DIGEST_READERS = (1000, 10000)
# Each a number taken at the large scale, unless it is an object naming both scales (or
# both reader counts).
REQUIRED_KEYS = (
    "sql_floor_s",
    "full_recompute_s",
    "full_over_floor",
    "history_rebuild_s",
    "history_over_floor",
    "daily_recompute_s",
    "incremental_recompute_s",
    "incremental_growth",
    "recompute_peak_mb",
    "pages",
    "page_query_growth",
    "page_time_growth",
    "export_peak_mb",
    "digest_s",
    "digest_queries",
    "digest_time_growth",
    "digest_email_kb_max",
    "trivial_rps",
    "cached_page_rps",
    "uncached_page_rps",
    "cached_over_trivial",
)


def missing_keys(result: dict, readers: tuple[int, ...] = DIGEST_READERS) -> list[str]:
    """The required keys (and nested keys) a result lacks or holds no number for."""
    missing = [key for key in REQUIRED_KEYS if result.get(key) is None]
    nested = {
        "incremental_recompute_s": ("small", "large"),
        "digest_s": tuple(str(n) for n in readers),
        "digest_queries": tuple(str(n) for n in readers),
    }
    for key, inner in nested.items():
        missing += [f"{key}.{k}" for k in inner if not is_number((result.get(key) or {}).get(k))]
    pages = result.get("pages") or {}
    for page in PAGES:
        for scale in ("small", "large"):
            figures = (pages.get(page) or {}).get(scale) or {}
            missing += [f"pages.{page}.{scale}.{k}" for k in ("queries", "s") if k not in figures]
    return missing


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


def over_floor(figure: dict, floor: float) -> float:
    """A figure over the floor timed beside its runs (bench.figures.beside_the_floor), or
    over the floor's own figure in results that predate it."""
    return ratio(figure["s"], figure.get("floor_s", floor))


def summarize(meta: dict, small: dict, large: dict) -> dict:
    """The result from the raw figures of each scale: `large` also holds the peaks and the
    gunicorn figures, taken at the large scale only."""
    floor = large["sql_floor"]["s"]
    pages = {
        page: {
            name: {
                "queries": figures["pages"][page]["queries"],
                "s": figures["pages"][page]["s"],
                "streamed": figures["pages"][page].get("streamed", False),
            }
            for name, figures in (("small", small), ("large", large))
        }
        | {"path": {"small": small["pages"][page]["path"], "large": large["pages"][page]["path"]}}
        for page in PAGES
    }
    readers = large["digest"]["readers"]
    fewest, most = sorted(readers, key=int)[0], sorted(readers, key=int)[-1]
    load = large["load"]
    result = {
        "sql_floor_s": floor,
        "full_recompute_s": large["full_recompute"]["s"],
        "full_over_floor": over_floor(large["full_recompute"], floor),
        "history_rebuild_s": large["history_rebuild"]["s"],
        "history_over_floor": over_floor(large["history_rebuild"], floor),
        "history_first_build_s": large["history_first_build"]["s"],
        "daily_recompute_s": large["daily_recompute"]["s"],
        "incremental_recompute_s": {
            "small": small["incremental_recompute"]["s"],
            "large": large["incremental_recompute"]["s"],
        },
        "incremental_growth": ratio(
            large["incremental_recompute"]["s"], small["incremental_recompute"]["s"]
        ),
        "recompute_peak_mb": large["recompute_peak_mb"],
        "pages": pages,
        "page_query_growth": max(
            ratio(p["large"]["queries"], p["small"]["queries"]) for p in pages.values()
        ),
        "page_time_growth": max(ratio(p["large"]["s"], p["small"]["s"]) for p in pages.values()),
        "export_peak_mb": large["export_peak_mb"],
        # The export's whole body grows with its rows; its page time above is the first byte.
        "export_whole_s": {
            scale: figures["pages"]["/export/milestones.csv"]["whole_s"]
            for scale, figures in (("small", small), ("large", large))
        },
        "digest_s": {n: readers[n]["s"] for n in readers},
        "digest_queries": {n: readers[n]["queries"] for n in readers},
        "digest_time_growth": ratio(readers[most]["s"], readers[fewest]["s"]),
        "digest_email_kb_max": max(r["email_kb_max"] for r in readers.values()),
        "trivial_rps": load["trivial"]["rps"],
        "cached_page_rps": load["cached_page"]["rps"],
        "uncached_page_rps": load["uncached_page"]["rps"],
        "uncached_home_rps": load["uncached_home"]["rps"],
        "cached_over_trivial": ratio(load["cached_page"]["rps"], load["trivial"]["rps"]),
        "generate_s": {"small": small["generate_s"], "large": large["generate_s"]},
    }
    return result | {"meta": meta, "scales": {"small": small, "large": large}}


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    return f"{seconds:.3g} s" if seconds < 100 else f"{seconds:.0f} s"


def times(value: float) -> str:
    return f"{value:.3g}×"


def table(result: dict) -> str:
    """The result as a Markdown table: small, large, and the ratio the issue's targets name."""
    small, large = result["scales"]["small"], result["scales"]["large"]

    def engine_row(label, key, note=""):
        return (label, duration(small[key]["s"]), duration(large[key]["s"]), note)

    rows = [
        (
            "build the data (`generate_synthetic`, bulk inserts)",
            duration(small["generate_s"]),
            duration(large["generate_s"]),
            "",
        ),
        engine_row("one `GROUP BY` over milestones (the floor)", "sql_floor"),
        engine_row(
            "full recompute: current rollups of every commitment",
            "full_recompute",
            f"{times(result['full_over_floor'])} the floor",
        ),
        engine_row(
            "full recompute with chart history (rebuild)",
            "history_rebuild",
            f"{times(result['history_over_floor'])} the floor",
        ),
        engine_row("first build of rollups and history (empty tables)", "history_first_build"),
        engine_row("daily recompute (no history, little changed)", "daily_recompute"),
        engine_row(
            "incremental recompute after one save",
            "incremental_recompute",
            f"{times(result['incremental_growth'])} growth",
        ),
        (
            "peak RSS of the full recompute with history",
            "",
            f"+{result['recompute_peak_mb']} MB",
            "",
        ),
    ]
    for page, figures in result["pages"].items():
        first_byte = " to the first byte" if figures["large"].get("streamed") else ""
        rows.append(
            (
                f"`{page}` uncached: queries · time{first_byte}",
                f"{figures['small']['queries']} · {duration(figures['small']['s'])}",
                f"{figures['large']['queries']} · {duration(figures['large']['s'])}",
                f"{times(ratio(figures['large']['s'], figures['small']['s']))} time",
            )
        )
    rows += [
        (
            "largest growth of queries · of time, over the pages",
            "",
            "",
            f"{times(result['page_query_growth'])} · {times(result['page_time_growth'])}",
        ),
        (
            "`/export/milestones.csv` streamed to the last byte",
            duration(result["export_whole_s"]["small"]),
            duration(result["export_whole_s"]["large"]),
            f"{times(ratio(result['export_whole_s']['large'], result['export_whole_s']['small']))}"
            " time, with the rows",
        ),
        ("peak RSS serving `/export/milestones.csv`", "", f"+{result['export_peak_mb']} MB", ""),
    ]
    readers = sorted(result["digest_s"], key=int)
    rows.append(
        (
            f"weekly digest (large data), {int(readers[0]):,} → {int(readers[-1]):,} readers",
            f"{duration(result['digest_s'][readers[0]])} · "
            f"{result['digest_queries'][readers[0]]:,} queries",
            f"{duration(result['digest_s'][readers[-1]])} · "
            f"{result['digest_queries'][readers[-1]]:,} queries",
            f"{times(result['digest_time_growth'])} time; "
            f"largest email {result['digest_email_kb_max']} KB",
        )
    )
    rows += [
        ("gunicorn: `/healthz` (trivial)", "", f"{result['trivial_rps']} req/s", ""),
        (
            "gunicorn: `/` from the page cache",
            "",
            f"{result['cached_page_rps']} req/s",
            f"{times(result['cached_over_trivial'])} trivial",
        ),
        ("gunicorn: the commitment page, uncached", "", f"{result['uncached_page_rps']} req/s", ""),
        ("gunicorn: `/`, uncached", "", f"{result['uncached_home_rps']} req/s", ""),
    ]
    lines = ["| figure | small | large | ratio |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else Path(__file__).parent / "results" / "latest.json")
    print(table(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
