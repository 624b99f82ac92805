"""Caseloads: scenarios, the seeded simulator, pricing of simulated caseloads, the
run loop with its results and measures, fiscal years and the budget check.
"""
