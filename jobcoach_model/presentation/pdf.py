"""A brief on paper: the same HTML printed to a paginated PDF by headless Chromium
(offline, its own print engine; no other rendering stack), with page numbers and the
inputs' stamp (``caseloads.provenance.stamp``) in every page's footer.

The footer is CSS paged media (``@page`` margin boxes, Chromium 131 and later), set in a
print copy of the page, so ``brief.html`` itself is unchanged. The browser is a child
process stopped with everything it started however we stop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from jobcoach_model.base.errors import BriefError
from jobcoach_model.base.processes import stop_tree

#: Debian's Chromium, or the Chromium-based browser JOBCOACH_CHROMIUM names
CHROMIUM_ENV = "JOBCOACH_CHROMIUM"
#: the most a print may take (seconds): a ceiling, never a pace
PRINT_LIMIT = 300
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-pdf-header-footer",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def chromium() -> str:
    """The browser that prints, or BriefError saying how to get one."""
    named = os.environ.get(CHROMIUM_ENV)
    for candidate in (named, "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise BriefError(
        "--pdf: needs Chromium (make chromium installs Debian's; or name a Chromium-based "
        f"browser in {CHROMIUM_ENV})"
    )


def _css_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def print_css(footer: str) -> str:
    """The page's print rules: US Letter with margins, the stamp at the foot of every
    page and "Page N of M" beside it."""
    return (
        "<style>@page { size: letter; margin: 16mm 14mm 20mm 14mm;"
        f" @bottom-left {{ content: {_css_text(footer)}; font-size: 7pt; color: #555;"
        " vertical-align: top; }"
        ' @bottom-right { content: "Page " counter(page) " of " counter(pages);'
        " font-size: 8pt; vertical-align: top; } }"
        " body { -webkit-print-color-adjust: exact; }"
        " img { max-width: 100%; page-break-inside: avoid; }"
        " tr, h2, h3 { page-break-inside: avoid; } h2, h3 { page-break-after: avoid; }"
        "</style>"
    )


def to_pdf(html: Path, target: Path, footer: str) -> Path:
    """``html`` printed to ``target`` (written whole: a failed print leaves nothing)."""
    browser = chromium()
    page = html.read_text(encoding="utf-8")
    at = page.find("</head>")
    page = page[:at] + print_css(footer) + page[at:] if at >= 0 else print_css(footer) + page
    with tempfile.TemporaryDirectory(prefix=".print-", dir=target.parent) as tmp:
        copy, out = Path(tmp) / "print.html", Path(tmp) / "brief.pdf"
        copy.write_text(page, encoding="utf-8")
        args = [browser, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}"]
        args += [f"--print-to-pdf={out}", copy.as_uri()]
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            proc.wait(timeout=PRINT_LIMIT)
        except subprocess.TimeoutExpired:
            raise BriefError(f"--pdf: Chromium did not print within {PRINT_LIMIT} s") from None
        finally:
            stop_tree(proc, grace=5)
        if not out.is_file() or not out.read_bytes().startswith(b"%PDF"):
            raise BriefError(f"--pdf: Chromium printed no PDF (exit {proc.returncode})")
        os.replace(out, target)
    return target
