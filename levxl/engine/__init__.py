"""The engine: pure, vectorised numpy. Every function broadcasts like a ufunc and knows nothing of files,
spreadsheets or the book; it imports nothing of levxl above this folder (a test enforces it).

``kernel`` holds the primitives the others share; ``validate`` the argument checks; ``reference/`` the slow,
obviously-correct scalar implementations the tests pin the fast code to.
"""
