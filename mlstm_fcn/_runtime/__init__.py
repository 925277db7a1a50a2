"""Where and how a call runs: device and precision, seeds, CPU threads, smaller batches on out-of-memory.

None of it decides *what* is trained.
"""
