"""Exports and imports of assessments: decision records (Markdown), JSON exchange files, CSV.

Plain modules, no models: ``decision_record`` and ``exchange`` turn assessments into files and
back; ``views`` serves them through the same access checks as the report.
"""
