"""Files, read and written safely: the one bounded reading layer every input goes through (``safety`` for packages
and XML, ``reading`` for tables), atomic output that never replaces an input (``atomic``), text safe for a cell or a
terminal (``cells``) and the shipped files (``bundled``). Knows no finance; the book and the faces build on it."""
