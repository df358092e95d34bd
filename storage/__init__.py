"""Storage: SQLModel tables, the engine, migrations and the queries the pipeline needs.

SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE) by default; PostgreSQL through
NEWSWATCH_DATABASE_URL. Functions take the session by keyword and never commit: the caller
(pipeline/) owns the transaction.
"""
