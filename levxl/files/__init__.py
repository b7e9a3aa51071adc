"""Files, read and written safely: atomic output and the checks a hostile package must pass before it is read.
Knows no finance; the book and the faces build on it."""
