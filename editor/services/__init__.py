"""Use cases. Each takes the database session and the acting user, checks permission, and flushes without
committing: the caller (a request, a socket event, a command) owns the unit of work."""
