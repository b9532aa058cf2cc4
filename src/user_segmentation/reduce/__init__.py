"""reduce stage."""
