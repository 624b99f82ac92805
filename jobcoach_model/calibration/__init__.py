"""Calibration: a scenario fitted to an agency's records, and the fit report and
check that hold it against those records.
"""
