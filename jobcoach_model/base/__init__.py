"""Base: errors, dates, money, domains, strict YAML, Arrow text, file output and
resources; imports nothing of the package.
"""
