"""features stage."""

#: Values beyond this magnitude are treated as corrupt (a ``1e308`` silently breaks k-means).
MAX_ABS_VALUE = 1e15
