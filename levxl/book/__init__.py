"""The book: positions, accounts and marks read from files, and the one per-position figures table that the risk
command, the report and the template all read. Imports the engine only."""
