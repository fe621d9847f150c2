"""Background work: RQ job functions, the schedule table, the worker and scheduler entry points."""
