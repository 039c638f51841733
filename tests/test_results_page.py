"""The results that a user reads first come from the run files: the README's table and the results page
are what ``python -m benchmarks.results_page`` generates from ``studies/``, and the README stays short."""

import pathlib

from benchmarks import results_page

ROOT = pathlib.Path(__file__).parent.parent


def test_the_readme_is_short_and_its_results_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    rows = results_page.current_rows(results_page.load_runs())
    assert rows, "no run at today's defaults in studies/"
    generated = results_page.with_readme_table(readme, results_page.current_table(rows, "readme"))
    assert readme == generated, "README's results table differs from the run files: python -m benchmarks.results_page"


def test_the_results_page_is_the_generated_one_and_its_figures_exist():
    runs = results_page.load_runs()
    rows = results_page.current_rows(runs)
    assert results_page.PAGE.read_text() == results_page.page(rows, runs), \
        "docs/results.md differs from the run files: python -m benchmarks.results_page"
    for row in rows:
        assert (results_page.FIGURES / results_page.figure_name(row)).is_file()


def test_a_run_is_current_only_when_its_recorded_options_are_todays():
    run = {"algo": "eaudedqn", "env": "CartPole-v1", "overrides": {}}
    today = results_page.todays_options("eaudedqn", "CartPole-v1")
    assert results_page.departures(run) is None  # settings not recorded: archived
    assert results_page.departures(run | {"settings": dict(today)}) == {}
    paper_copy = dict(today, copy_optimizer="reset", recovery_fraction=0.0)
    assert results_page.departures(run | {"settings": paper_copy}) == {"copy_optimizer": "reset", "recovery_fraction": 0.0}
    derived = dict(today, target_updates_per_selection=4)  # what the class derived: still today's
    assert results_page.departures(run | {"settings": derived}) == {}
