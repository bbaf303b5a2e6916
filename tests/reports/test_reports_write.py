"""write_report and write_profile_report: the files, their structure, and escaping."""

from __future__ import annotations

import base64
import json
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest
from reports_helpers import HOSTILE_NODE, HOSTILE_TEXT

from runadvisor.advisor import Recommendation
from runadvisor.exceptions import RunAdvisorError
from runadvisor.reports import ReportError, load_any, write_profile_report, write_report

N_RUNS = 4  # profiled runs in the profiles fixture


def n_charts(rec) -> int:
    """Wall time and speed-up; the recommended run's Gantt and memory beside the
    sequential run's, where those runs were profiled; Gantt and node bars per run."""
    from runadvisor.runners import registry

    picked = registry.label_for(rec.runner, rec.max_workers)
    sequential = next((k for k in ("SequentialRunner", "facts") if k in rec.profiles), None)
    recommended = picked if picked in rec.profiles else None
    if recommended is None and registry.find(rec.runner).name == "sequential":
        recommended = sequential
    same_run = (
        recommended and sequential and runs(rec).get(recommended) == runs(rec).get(sequential)
    )
    key = (1 if recommended else 0) + (1 if recommended and sequential and not same_run else 0)
    return 2 + key + 2 * len(set(runs(rec).values()))


def runs(rec) -> dict[str, tuple]:
    """Each profile label -> the run it is (the advisor may file one run under two labels)."""
    return {
        label: (p.runner, p.max_workers, p.started_at, p.wall) for label, p in rec.profiles.items()
    }


class Page(HTMLParser):
    """Collects what the tests look at; fails on malformed nesting of the main tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.images: list[dict[str, str | None]] = []  # <img> and inline <svg> charts
        self.details: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag in ("img", "svg"):
            self.images.append(attrs)
        if tag == "details":
            self.details.append(attrs)
        for key in ("href", "src", "xlink:href"):
            if attrs.get(key):
                self.links.append(attrs[key])
        if tag in ("section", "table", "figure", "main", "dl", "ol", "ul", "details"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("section", "table", "figure", "main", "dl", "ol", "ul", "details"):
            assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.stack == [], f"unclosed tags: {page.stack}"
    return page


@pytest.fixture(scope="module")
def written(recommendation, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return write_report(recommendation, out / "nested" / "advice")


@pytest.fixture(scope="module")
def hostile_written(hostile_recommendation, tmp_path_factory):
    return write_report(hostile_recommendation, tmp_path_factory.mktemp("hostile"))


# --- files -----------------------------------------------------------------------------
def test_writes_the_three_files_and_returns_their_paths(written):
    assert list(written) == ["html", "md", "json"]
    assert [p.name for p in written.values()] == ["report.html", "report.md", "report.json"]
    for path in written.values():
        assert path.is_file() and path.stat().st_size > 0
        assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044  # readable by others
    folder = written["html"].parent
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp files left


def test_html_is_self_contained_and_has_every_chart_inline(written, recommendation):
    page = parse(written["html"])
    assert len(page.images) == n_charts(recommendation)
    assert page.tags.count("figure") == len(page.images)
    for svg in page.images:
        assert svg["role"] == "img" and svg["aria-label"]
        assert int(svg["width"]) > 0 and svg["viewbox"]
    assert all(link.startswith(("data:", "#")) for link in page.links), page.links
    for tag in ("script", "link", "iframe", "foreignobject", "img", "object", "embed"):
        assert tag not in page.tags
    html = written["html"].read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # charts inline side by side never share an id
    assert not re.search(r"\son[a-z]+=", html)  # no event handlers


def test_png_charts_are_data_images(recommendation, tmp_path):
    from runadvisor.reports.content import from_recommendation
    from runadvisor.reports.html import render_html

    html = render_html(from_recommendation(recommendation), image_format="png")
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == n_charts(recommendation)
    assert all(base64.b64decode(s.split(",", 1)[1])[:4] == b"\x89PNG" for s in sources)


def test_run_details_are_collapsed_and_the_recommended_run_is_marked(written, recommendation):
    page = parse(written["html"])
    sections = [d for d in page.details if "run" in (d.get("class") or "")]
    assert len(sections) == len(set(runs(recommendation).values()))
    assert all("open" not in d for d in sections)  # a reader opens the runs they care about
    html = written["html"].read_text(encoding="utf-8")
    summaries = re.findall(r'<details class="run"[^>]*>\s*<summary>(.*?)</summary>', html, re.S)
    picked = recommendation.make_runner()
    marked = [s for s in summaries if "badge recommended" in s]
    if recommendation.runner != "SequentialRunner":
        assert len(marked) == 1 and f"({picked.max_workers})" in marked[0]
    for summary in summaries:
        assert re.search(r"\d+(\.\d+)? (ms|s) · \d+ nodes? on \d+ lanes?", summary)


def test_html_says_the_verdict_reasons_table_facts_and_sections(written, recommendation):
    html = written["html"].read_text(encoding="utf-8")
    page = parse(written["html"])
    text = " ".join(" ".join(page.text).split())
    assert f"Use {recommendation.runner_call}" in text
    assert f"confidence {recommendation.confidence}" in text
    for step in recommendation.path:
        assert " ".join(step[1:].split()) in text
    assert page.tags.count("tr") >= len(recommendation.candidates) + 1
    assert html.count('class="best"') == 1 and "recommended" in text
    for label in ("Work T1", "Span T∞", "Parallelism T1/T∞", "Bytes moved", "GIL share"):
        assert label in text
    assert html.count('id="run-') == len(set(runs(recommendation).values()))
    for label in recommendation.profiles:
        assert label in text
    for caption in ("Wall time per candidate", "Speed-up against workers", "nodes on workers"):
        assert caption in text
    assert re.search(r"\d+(\.\d+)? (ms|s|us)\b", text)  # human units
    assert re.search(r"\d+(\.\d+)? (MB|kB|GB)\b", text)


def test_markdown_has_the_table_and_its_charts_beside_it(written, recommendation):
    md_path = written["md"]
    md = md_path.read_text(encoding="utf-8")
    assert md.startswith("# runadvisor report")
    assert "| Candidate | Predicted | Measured median |" in md
    rows = [line for line in md.splitlines() if line.startswith("| ") and "Candidate |" in line]
    assert rows
    assert "← recommended" in md
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) == n_charts(recommendation)
    for name in images:
        assert "/" not in name
        data = (md_path.parent / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert md.count("\n1. ") == 1 and f"\n{len(recommendation.path)}. " in md


def test_json_is_the_recommendation_with_its_profiles(written, recommendation):
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert data["schema"] == "runadvisor.advice"
    assert isinstance(data["version"], int)
    assert data["runner"] == recommendation.runner
    assert set(data["profiles"]) == set(recommendation.profiles)
    for profile in data["profiles"].values():
        assert profile["schema"] == "runadvisor.profile"
    assert len(data["candidates"]) == len(recommendation.candidates)


def test_json_round_trips_through_recommendation_and_load_any(written, recommendation):
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert Recommendation.from_dict(data).to_dict() == recommendation.to_dict()
    loaded = load_any(written["json"])
    assert isinstance(loaded, Recommendation)
    assert loaded.to_dict() == recommendation.to_dict()


# --- escaping --------------------------------------------------------------------------
def test_user_strings_are_escaped_in_html(hostile_written):
    html = hostile_written["html"].read_text(encoding="utf-8")
    assert HOSTILE_NODE not in html and "<script" not in html.lower()
    assert HOSTILE_TEXT not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;&amp;" in html
    page = parse(hostile_written["html"])
    assert "script" not in page.tags and "b" not in page.tags
    text = "".join(page.text)
    assert HOSTILE_NODE in text  # shown as text, as the user wrote it
    assert f"ValueError: bad {HOSTILE_TEXT} value" in text  # the run's error
    assert f"[{HOSTILE_TEXT}]" in text  # a tag
    titles = re.findall(r"<title>(.*?)</title>", html, re.S)[1:]  # the page's own, then charts'
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in t for t in titles)  # full names, escaped


def test_user_strings_are_escaped_in_markdown(hostile_written):
    md = hostile_written["md"].read_text(encoding="utf-8")
    assert "<script>" not in md and "<b>" not in md
    assert r"\<script\>alert(1)\</script\>" in md
    assert r"\<b\>\&" in md
    assert r"\`x\` \| y" in md  # a backtick and a pipe cannot break the table
    for line in md.splitlines():
        if line.startswith("| ") and "compress" in line:
            assert line.count(" | ") == line.replace(r"\|", "").count(" | ")


# --- arguments -------------------------------------------------------------------------
def test_unknown_format_names_the_allowed_ones(recommendation, tmp_path):
    with pytest.raises(ReportError, match=r"'pdf'.*'html', 'md', 'json'") as info:
        write_report(recommendation, tmp_path, formats=("html", "pdf"))
    assert isinstance(info.value, RunAdvisorError)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_one_format_as_a_string(recommendation, tmp_path):
    paths = write_report(recommendation, tmp_path, formats="json")
    assert list(paths) == ["json"]
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_out_dir_that_is_a_file(recommendation, tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(ReportError, match="not a folder"):
        write_report(recommendation, target, formats="json")


def test_a_profile_is_not_a_recommendation(profiles, tmp_path):
    with pytest.raises(ReportError, match="write_profile_report"):
        write_report(profiles["SequentialRunner"], tmp_path)


def test_predict_only_report(predicted, tmp_path):
    assert predicted.predict_only
    paths = write_report(predicted, tmp_path, formats=("html", "md"))
    page = parse(paths["html"])
    assert len(page.images) == n_charts(predicted)
    text = " ".join(page.text)
    assert "predicted only, not measured" in text
    assert "Nothing was measured" in text


def test_report_reads_only_the_documented_attributes(stand_in, tmp_path):
    """A stand-in with just the contract's attributes renders, with a timed-out candidate."""
    paths = write_report(stand_in, tmp_path)
    page = parse(paths["html"])
    assert len(page.images) == n_charts(stand_in)
    text = " ".join(page.text)
    assert "timeout" in text and "took longer than" in text
    assert json.loads(paths["json"].read_text())["schema"] == "runadvisor.advice"


# --- profile reports -------------------------------------------------------------------
def test_profile_report_from_saved_files(profiles, tmp_path):
    files = [p.save(tmp_path / f"{i}.json") for i, p in enumerate(profiles.values())]
    paths = write_profile_report(files, tmp_path / "out")
    page = parse(paths["html"])
    assert len(page.images) == 1 + 2 * N_RUNS  # memory of all runs, then Gantt + bars each
    assert all("open" not in d for d in page.details if "run" in (d.get("class") or ""))
    text = " ".join(page.text)
    for label in profiles:
        assert label in text
    md = paths["md"].read_text(encoding="utf-8")
    assert "| Run | Wall time |" in md and "### Per-node table" in md
    back = load_any(paths["json"])
    assert list(back) == list(profiles)
    assert [r.name for r in back["ThreadRunner(2)"].nodes] == [
        r.name for r in profiles["ThreadRunner(2)"].nodes
    ]


def test_profile_report_of_one_profile_and_of_a_failed_run(hostile_profiles, tmp_path):
    bad = hostile_profiles["ThreadRunner(2)"]
    paths = write_profile_report({"my <i>run</i>": bad}, tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<i>" not in html and "my &lt;i&gt;run&lt;/i&gt;" in html
    assert "This run failed" in html and 'class="error-box"' in html
    page = parse(paths["html"])
    assert len(page.images) == 2  # one run: no memory comparison
    assert any("open" in d for d in page.details if "run" in (d.get("class") or ""))  # failed: open


def test_profile_report_labels_repeated_runs_apart(profiles, tmp_path):
    p = profiles["SequentialRunner"]
    paths = write_profile_report([p, p], tmp_path, formats=("json",))
    assert list(load_any(paths["json"])) == ["SequentialRunner", "SequentialRunner #2"]


def test_profile_report_rejects_what_is_not_a_profile(tmp_path):
    with pytest.raises(ReportError, match="RunProfiles"):
        write_profile_report([object()], tmp_path)
    with pytest.raises(ReportError, match="no profiles"):
        write_profile_report([], tmp_path)


# --- as a reader sees it ---------------------------------------------------------------
SCREEN = 800  # px: one screen of a 1280 x 800 laptop


@pytest.mark.slow
def test_the_page_reads_in_a_few_screens_with_run_details_collapsed(stand_in, tmp_path):
    """Measured in headless Chromium at 1280 px, as docs/screenshots.py does."""
    import shutil
    import sys

    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("no headless Chromium (apt-get install -y chromium)")
    pytest.importorskip("PIL")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs"))
    from screenshots import shoot

    paths = write_report(stand_in, tmp_path, formats="html")
    height = shoot(paths["html"], tmp_path / "page.png")
    assert SCREEN < height <= 5 * SCREEN, f"{height} px"
