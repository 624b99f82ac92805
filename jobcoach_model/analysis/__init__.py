"""Analysis: what the runs and records say: bridges, who gains, sweeps,
sensitivity, joint draws and the value of information, where a finding flips, records
priced under each rulebook and disclosure control of what a records brief releases.
"""
