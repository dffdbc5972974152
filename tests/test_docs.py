"""The README and the docs/ pages cannot go stale: every relative link leads to a file, what they
say `make demo` and `make test` do is what the Makefile does, and the README's example outputs are
what chsc prints on sample_data/ today (each excerpt line appears in the real output; the report
excerpt is checked in test_report_services.py, which renders that report anyway)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import run_chsc

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SAMPLE = ROOT / "sample_data"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "indicators" / "README.md",
         ROOT / "register_kinds" / "README.md", ROOT / "sample_data" / "README.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _links(path: Path) -> list[str]:
    """The relative targets of the Markdown links of a page (fenced code left out)."""
    prose = re.sub(r"```.*?```", "", _text(path), flags=re.S)
    return [t for t in LINK.findall(prose) if not re.match(r"[a-z]+:", t) and not t.startswith("#")]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_leads_to_a_file(page):
    links = _links(page)
    missing = [t for t in links if not (page.parent / t.split("#", 1)[0]).exists()]
    assert missing == [], f"{page.relative_to(ROOT)}: links to nothing: {missing}"


def test_the_readme_links_every_docs_page():
    linked = {(README.parent / t.split("#", 1)[0]).resolve() for t in _links(README)}
    unlinked = [p.name for p in (ROOT / "docs").glob("*.md") if p.resolve() not in linked]
    assert unlinked == [], f"docs/ pages the README does not link: {unlinked}"


def _make_recipe(target: str) -> list[str]:
    makefile = _text(ROOT / "Makefile")
    body = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    return [line.strip() for line in body.splitlines()]


def test_the_pages_say_what_make_demo_runs():
    [recipe] = _make_recipe("demo")
    command = recipe.replace("$(BIN)/", "")
    assert command.startswith("chsc ")
    assert f"`make demo` = `{command}`" in _text(README)
    assert f"`make demo` 即对本文件夹运行 `{command}`" in _text(ROOT / "sample_data" / "README.md")


def test_the_readme_and_the_makefile_state_the_same_test_time():
    makefile = _text(ROOT / "Makefile")
    [stated] = re.findall(r"^#.*\babout (\d+) minutes", makefile, re.M)
    readme = _text(README)
    assert f"约 {stated} 分钟" in readme and f"about {stated} minutes" in readme


def test_make_test_runs_the_profile_whose_counts_the_reliability_page_gives():
    """docs/reliability.md gives the random cases of one `make test` run as the 'ci' profile's numbers
    (tests/test_fuzz_readers.py checks them against that profile)."""
    makefile = _text(ROOT / "Makefile")
    assert re.search(r"^HYPOTHESIS_PROFILE \?= ci$", makefile, re.M)
    [recipe] = _make_recipe("test")
    assert recipe.startswith("HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) ")
    assert "hypothesis profile `ci`" in _text(ROOT / "docs" / "reliability.md")


# ------------------------------------------------------------------------------ the README's examples


def _example(title: str) -> list[str]:
    """The lines of the README's code block that follows the line holding `title`, without the lines
    that only mark something left out ("…", or a table row of "…")."""
    readme = _text(README)
    after = readme[readme.index(title):]
    block = re.search(r"```\n(.*?)```", after, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("…")
            and re.sub(r"[│…\s]", "", line)]


@pytest.mark.parametrize(
    "title,args",
    [
        ("`make demo` = `chsc compute sample_data --period 2025`", ["compute", SAMPLE, "--period", "2025"]),
        ("`chsc validate sample_data`", ["validate", SAMPLE]),
        ("`chsc gaps hypertension_bp_control_rate sample_data -p 2025 --format csv`",
         ["gaps", "hypertension_bp_control_rate", SAMPLE, "-p", "2025", "--format", "csv"]),
        ("`chsc check sample_data -p 2025-01..2025-09`", ["check", SAMPLE, "-p", "2025-01..2025-09"]),
    ],
    ids=["compute", "validate", "gaps", "check"],
)
def test_each_readme_example_is_real_output(title, args):
    lines = set(run_chsc(*args).stdout.splitlines())  # at the width the examples were taken at (160)
    example = _example(title)
    assert len(example) >= 2
    stale = [line for line in example if line not in lines]
    assert stale == [], f"README example for {title} is not what chsc prints now: {stale}"
