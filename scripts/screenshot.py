"""Make docs/report.png, the README's picture of the HTML report, from examples/.

It runs the library the way a user runs the command line: index the
fictional archive (examples/archive) in a temporary SQLite file, audit every
suspect page under the default policy, render the HTML report with the
source side of each passage, and let headless Chromium take the picture.

    python scripts/screenshot.py [--out docs/report.png] [--html report.html]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import chromium  # noqa: E402

from reprint_check import Article, Report, audit, load_policy, open_index  # noqa: E402
from reprint_check.index.sources import iter_articles  # noqa: E402
from reprint_check.report import render, with_source_text  # noqa: E402

EXAMPLES = ROOT / "examples"
WIDTH, HEIGHT = 1280, 1800
# The second picture: one target whose passage shows edits side by side
# (look-alike letters and zero-width characters against the source's words).
CLOSE_UP = "examples/suspects/evasion.html"
CLOSE_UP_HEIGHT = 1500


def example_report(workdir: Path) -> Report:
    """The audit of examples/suspects against examples/archive, passages with both sides.

    Targets are named relative to the repository, as a user in it would type them.
    """
    os.chdir(ROOT)
    suspects = EXAMPLES.relative_to(ROOT) / "suspects"
    targets = sorted(str(p) for p in suspects.iterdir() if p.suffix in {".html", ".txt"})
    with open_index(workdir / "index.sqlite") as index:
        index.add_many(
            a for a in iter_articles(str(EXAMPLES / "archive")) if isinstance(a, Article)
        )
        report = audit(targets, index=index, policy=load_policy())
        texts = {info.url: index.get(info.id).text for info in index.articles()}
    return with_source_text(report, texts.get)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument(
        "--close-up", type=Path, default=ROOT / "docs" / "report-passage.png", dest="close_up"
    )
    parser.add_argument("--html", type=Path, help="also keep the HTML report here")
    args = parser.parse_args(argv)
    binary = chromium.find_chromium()
    if binary is None:
        print("screenshot: Chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="reprint-check-shot-") as tmp:
        workdir = Path(tmp)
        report = example_report(workdir)
        page = workdir / "report.html"
        page.write_text(render(report, "html"), encoding="utf-8")
        if args.html:
            args.html.write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        chromium.screenshot(binary, page.as_uri(), args.out, width=WIDTH, height=HEIGHT)
        one = Report(report.policy, tuple(t for t in report.targets if t.target == CLOSE_UP))
        page = workdir / "close-up.html"
        page.write_text(render(one, "html"), encoding="utf-8")
        chromium.screenshot(
            binary, page.as_uri(), args.close_up, width=WIDTH, height=CLOSE_UP_HEIGHT
        )
    for png in (args.out, args.close_up):
        print(f"{png}: {png.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
