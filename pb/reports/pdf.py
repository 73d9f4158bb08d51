"""The annual report as a PDF, made from the same HTML as its page with WeasyPrint: fonts embedded
(subsets of the system's), and tagged (PDF/UA-1) so a screen reader can follow its headings and
tables. WeasyPrint needs the Pango library from the system (Debian: libpango-1.0-0 and
libpangoft2-1.0-0, which `make install` installs); without it pb runs and says so on the page, and
the PDF is not offered."""
from __future__ import annotations

from flask import render_template

try:  # a missing system library is an operator's problem to be told about, not a reason to refuse to start
    import weasyprint
    UNAVAILABLE = ""
except (ImportError, OSError) as error:  # pragma: no cover (the suite runs with Pango installed)
    weasyprint = None
    UNAVAILABLE = f"PDFs cannot be made on this server: {error}"


def html_to_pdf(html: str, base_url: str) -> bytes:
    if weasyprint is None:
        raise RuntimeError(UNAVAILABLE)
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1")


def annual_report_pdf(hood, fund, year: str, report, contents: dict, base_url: str = "") -> bytes:
    """The annual report's PDF: its print page (the same contents as the web page) made into a PDF."""
    return html_to_pdf(render_template("reports/annual_print.html", hood=hood, fund=fund, year=year, report=report,
                                       c=contents), base_url)
