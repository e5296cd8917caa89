"""Storage: SQLAlchemy models, engine and sessions."""
