"""In-process platform simulators for the default sandbox."""
