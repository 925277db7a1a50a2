"""The result tables of the README and the docs pages are the committed results, not figures typed by hand."""

from pathlib import Path

from benchmarks.report import readme_tables


def test_readme_tables_match_the_committed_results():
    assert "<!-- generated: accuracy-summary -->" in readme_tables.README.read_text()
    pages = readme_tables.pages()
    shown = "".join(p.read_text() for p in pages)
    for name in readme_tables.TABLES:  # every table is shown somewhere
        assert f"<!-- generated: {name} -->" in shown, name
    for page in pages:
        text = page.read_text()
        assert readme_tables.render(text) == text, f"{page} is out of date: run python -m benchmarks.report.readme_tables"


def test_a_changed_figure_is_caught(tmp_path):
    # The check can fail: a result file that says otherwise makes another README.
    text = readme_tables.README.read_text()
    results = tmp_path / "results"
    results.mkdir()
    for f in readme_tables.RESULTS.iterdir():
        if f.is_file():
            (results / f.name).write_bytes(f.read_bytes())
    budgets = readme_tables.RESULTS / "budgets"
    if budgets.is_dir():
        (results / "budgets").mkdir()
        for f in budgets.glob("*.csv"):
            (results / "budgets" / f.name).write_bytes(f.read_bytes())
    csv = (results / "accuracy.csv").read_text().splitlines()
    header, first = csv[0].split(","), csv[1].split(",")
    first[header.index("accuracy")] = "0.1234"
    (results / "accuracy.csv").write_text("\n".join([csv[0], ",".join(first)] + csv[2:]) + "\n")
    assert readme_tables.render(text, results) != text


def _write(path: Path, header: str, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header] + lines) + "\n")


def test_the_paper_preset_on_the_cpu_joins_both_sources_and_they_must_agree(tmp_path):
    import pytest

    budgets = "dataset,seed,budget,statistics,accuracy"
    _write(tmp_path / "budgets" / "budgets.csv", budgets,
           ["ERing,0,e500,running,0.8926", "ERing,0,e500,recomputed,0.9", "ERing,1,e100,running,0.5"])
    paper = "config,dataset,seed,accuracy"
    _write(tmp_path / "paper-cpu" / "accuracy.csv", paper,
           ["paper,ERing,0,0.8926", "paper,ERing,2,0.8815", "recipe,ERing,1,0.7"])
    assert readme_tables.paper_on_the_cpu(tmp_path) == {"ERing": {"0": 0.8926, "2": 0.8815}}
    _write(tmp_path / "paper-cpu" / "accuracy.csv", paper, ["paper,ERing,0,0.9000"])
    with pytest.raises(ValueError, match="differ"):
        readme_tables.paper_on_the_cpu(tmp_path)
