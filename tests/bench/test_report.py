"""The benchmark's result holds every key issue 16 asks for, from a tiny run of its figures."""

import pytest

from bench import figures, report
from tracker.ops import synthetic

READERS = (5, 20)


@pytest.fixture
def measured(db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.EMAIL_BACKEND = "bench.figures.MeasuringEmailBackend"
    synthetic.generate(commitments=5, milestones=200, subscribers=20, seed=3)
    raw = figures.scale_figures(runs=1, budget_s=0, digest_readers=READERS)
    # The peaks and the gunicorn load run in processes of their own in `make bench`; the
    # test database is not visible from another process, so they are given here.
    rps = {"rps": 100.0}
    raw |= {
        "generate_s": 0.1,
        "recompute_peak_mb": figures.recompute_peak_mb(),
        "export_peak_mb": figures.export_peak_mb(),
        "load": dict.fromkeys(("trivial", "cached_page", "uncached_page", "uncached_home"), rps),
    }
    return report.summarize({"database": raw["database"]}, raw, raw)


def test_a_tiny_run_gives_every_required_key(measured):
    assert report.missing_keys(measured, readers=READERS) == []


def test_the_figures_are_counted_not_made_up(measured):
    assert all(page["small"]["queries"] > 0 for page in measured["pages"].values())
    assert measured["digest_queries"]["20"] > 0
    assert measured["digest_email_kb_max"] > 0
    assert 0 < measured["scales"]["large"]["digest"]["readers"]["20"]["sent"] <= 20


def test_the_table_names_every_page(measured):
    table = report.table(measured)
    assert all(f"`{page}`" in table for page in report.PAGES)


def test_a_result_without_a_figure_says_which(measured):
    del measured["pages"]["/"]["large"]["queries"]
    del measured["trivial_rps"]
    assert report.missing_keys(measured, readers=READERS) == [
        "trivial_rps",
        "pages./.large.queries",
    ]


def test_the_export_is_timed_to_its_first_byte_and_to_its_last(measured):
    export = measured["scales"]["small"]["pages"]["/export/milestones.csv"]
    assert export["streamed"] is True
    assert 0 < export["s"] <= export["whole_s"]
    assert measured["export_whole_s"]["large"] == export["whole_s"]
    assert "to the first byte" in report.table(measured)


def test_ratios_to_the_floor_use_the_floor_timed_beside_each_run(measured):
    for name, key in (
        ("full_recompute", "full_over_floor"),
        ("history_rebuild", "history_over_floor"),
    ):
        figure = measured["scales"]["large"][name]
        assert len(figure["floor_runs"]) == len(figure["runs"])
        assert measured[key] == report.ratio(figure["s"], figure["floor_s"])
