"""What the reports read: the published figures, the result files, and the README and docs tables."""
