"""Workbook writers: the feedback to subsidiaries (and, later, the summary and special reports)."""
