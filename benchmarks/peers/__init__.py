"""Accuracy of other implementations on the same datasets and splits."""
