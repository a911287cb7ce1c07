"""Export a case report: JSON, and a self-contained HTML page (no scripts, inline styles)."""

from __future__ import annotations

import json

from flask import render_template

from sandbox.cases.runner import Report


def report_json(report: Report) -> str:
    """The report as indented JSON."""
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def report_html(report: Report) -> str:
    """The report as one HTML file (needs an app context for the template)."""
    return render_template("sandbox/cases_report.html", report=report, counts=report.counts())
