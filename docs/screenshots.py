"""Screenshots of the three examples' reports and of the executed notebook, as a reader sees them.

Run from the repository root, in an environment with runadvisor installed
(``pip install -e '.[test]'``) plus nbconvert for the notebook
(``pip install nbconvert``), and headless Chromium on the PATH
(Debian/Ubuntu: ``apt-get install -y chromium``):

    python docs/screenshots.py                    # advise on each example, then shoot
    python docs/screenshots.py --reports DIR      # shoot reports already in DIR/<example>/
    python docs/screenshots.py --no-notebook      # reports only

Writes ``<example>.png`` (the whole page at 1280 px wide, run details
collapsed as the page opens) and ``notebook.png`` into ``--out``
(default ``screenshots/``), and prints each page's height in pixels and in
screens of 800 px.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("mixed_etl", "cpu_transform", "io_fetch")
WIDTH = 1280
SCREEN = 800  # one screen of a 1280 x 800 laptop
TALLEST = 30_000  # the window is this tall; the page's end is found in the picture


def chromium() -> str:
    """The headless browser to use, or exit with how to install one."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("No Chromium found: install it (Debian/Ubuntu: apt-get install -y chromium).")


def shoot(page: Path, png: Path) -> int:
    """Screenshot ``page`` at WIDTH px, crop it to its content, return its height in px."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},{TALLEST}",
                f"--screenshot={png}",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    image = Image.open(png).convert("RGB")
    height = content_height(image)
    image.crop((0, 0, WIDTH, height)).save(png, optimize=True)
    return height


def content_height(image: object) -> int:
    """Where the page ends: the last row that differs from the background, plus a margin."""
    from PIL import ImageChops

    background = image.getpixel((image.width - 1, image.height - 1))  # type: ignore[attr-defined]
    plain = image.copy()  # type: ignore[attr-defined]
    plain.paste(background, (0, 0, image.width, image.height))  # type: ignore[attr-defined]
    box = ImageChops.difference(image, plain).getbbox()
    return min(image.height, (box[3] if box else 0) + 32)  # type: ignore[attr-defined]


def advise(example: str, out: Path) -> Path:
    """Run ``runadvisor advise`` on an example; return its report.html."""
    env = dict(os.environ, RUNADVISOR_EXAMPLE_DATA=str(out / "data"))
    folder = out / example
    subprocess.run(
        [
            sys.executable,
            "-m",
            "runadvisor",
            "advise",
            f"examples/{example}/pipeline.py",
            "--out",
            str(folder),
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return folder / "report.html"


def notebook_html(work: Path) -> Path:
    """Execute examples/compare_runners.ipynb in ``work`` and write it as HTML there."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.read(ROOT / "examples" / "compare_runners.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    body, _ = HTMLExporter().from_notebook_node(nb)
    page = work / "notebook.html"
    page.write_text(body, encoding="utf-8")
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--reports", type=Path, help="folder with <example>/report.html already")
    parser.add_argument("--no-notebook", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for example in EXAMPLES:
            page = args.reports / example / "report.html" if args.reports else advise(example, work)
            height = shoot(page, args.out / f"{example}.png")
            print(f"{example}: {height} px = {height / SCREEN:.1f} screens of {SCREEN} px")
        if not args.no_notebook:
            height = shoot(notebook_html(work), args.out / "notebook.png")
            print(f"notebook: {height} px = {height / SCREEN:.1f} screens of {SCREEN} px")
    print(f"screenshots in {args.out}/")


if __name__ == "__main__":
    main()
