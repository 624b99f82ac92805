"""Engine: adjudication of service lines (vectorized), its line-by-line reference
twin, and explanations of single lines.
"""
