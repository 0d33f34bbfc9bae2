"""Front Desk core: standards, calendar, deadlines, store, desk services, reports.

This package never imports Textual: the UI lives in `screens/`.
"""

__version__ = "0.1.0"
