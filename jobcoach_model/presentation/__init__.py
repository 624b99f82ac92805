"""Presentation: tables, charts and findings in plain words, the briefs
(papermill) and the files written beside them.
"""
