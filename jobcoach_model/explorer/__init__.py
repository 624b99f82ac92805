"""Explorer: the what-if panel (ipywidgets), its controls, and the Voila server."""
