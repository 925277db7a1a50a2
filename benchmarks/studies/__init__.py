"""Studies of accuracy and of the defaults: selection by CV on TRAIN splits, recipe, budgets, hard case."""
