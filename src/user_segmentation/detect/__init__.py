"""`segment init`: inspect data and propose a project file."""
