"""Copy the rendered pages that the docs show into docs/pictures (make render PICTURES=1).

Pages are chosen by what they say, not by number: the report's first Summary page, its first
project card, the first page of the written special report, and so on.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
# picture: (PDF stem prefix, text on the wanted page)
WANTED = {"report-summary.png": ("重大项目监控报告", "Summary of major projects"),
          "report-projects.png": ("重大项目监控报告", "S 曲线"),
          "special-report.png": ("专项报告-", "专项书面报告"),
          "written-report.png": ("专项书面报告-", "一、差异情况"),
          "overview.png": ("月度监控简报-", "重大项目月度监控简报"),
          "template-cover.png": ("monthly-zh", "填写说明"),
          "template-table.png": ("monthly-zh", "实际投资 (ActualCost)"),
          "feedback.png": ("feedback", "")}


def page_with(pdf: Path, text: str) -> int:
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    for page in range(1, pages + 1):
        found = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                               capture_output=True, text=True, check=True).stdout
        if text in found:
            return page
    raise SystemExit(f"{pdf.name}: no page says {text!r}")


def main(rendered: Path) -> None:
    for picture, (stem, text) in WANTED.items():
        pdf = next(p for p in sorted(rendered.glob("*.pdf")) if p.name.startswith(stem))
        page = page_with(pdf, text)
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(page), "-l",
                        str(page), str(pdf), str(rendered / picture[:-4])], check=True)
        shutil.copyfile(rendered / picture, HERE / picture)
        print(f"{picture}: {pdf.name} page {page}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
