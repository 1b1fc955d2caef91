"""The ``prex`` command line (Typer): one module per context."""
