"""levxl engine layer: pure-Python, standard-library-only building blocks (venue conventions)."""
