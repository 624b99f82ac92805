"""Law: rulebooks (dated, cited parameters, interpretations) and the jurisdictions
registry that finds each state's plugin.
"""
