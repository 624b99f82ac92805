"""One folder per jurisdiction (``ks/``, ``ia/``, ...): its rulebook files, its rule units
and its hooks. ``jurisdictions.py`` finds them; nothing outside a folder names its state."""
