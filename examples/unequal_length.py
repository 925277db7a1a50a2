"""
Series of unequal length: JapaneseVowels
========================================

JapaneseVowels holds utterances of a vowel by nine speakers, 12 channels (LPC cepstrum coefficients)
of 7 to 29 steps each; the task is to tell the speaker. The loader returns the series NaN-padded at
the end; the classifier reads the padding as such and masks it (batch-norm statistics, the SE
squeeze and the global pooling count valid steps only), so a series gets the same prediction alone
as in a padded batch. Lists of ``(channels, length)`` arrays work too.
"""

# %%
# The data
# --------
# :func:`~mlstm_fcn.datasets.series_lengths` recovers each series' length from the padding.
import matplotlib.pyplot as plt
import numpy as np

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea, series_lengths
from mlstm_fcn.plotting import plot_history

X_train, y_train = load_uea("JapaneseVowels", split="train")
X_test, y_test = load_uea("JapaneseVowels", split="test")
len_train, len_test = series_lengths(X_train), series_lengths(X_test)
print(f"train {X_train.shape}, lengths {len_train.min()}-{len_train.max()}; "
      f"test {X_test.shape}, lengths {len_test.min()}-{len_test.max()}")

fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
bins = np.arange(min(len_train.min(), len_test.min()), max(len_train.max(), len_test.max()) + 2) - 0.5
ax.hist([len_train, len_test], bins=bins, label=["train", "test"])
ax.set(xlabel="series length (steps)", ylabel="series", title="JapaneseVowels: lengths")
ax.legend(frameon=False)

# %%
# Train
# -----
# Nothing to declare: the estimator sees the padding and records that the data are of unequal length.
# Some test series (up to 29 steps) are longer than any training series (26): the model truncates
# them to the longest length it was trained on, and says so with a warning.
clf = MLSTMFCNClassifier(epochs=30, n_jobs=-1, random_state=0).fit(X_train, y_train)
print(f"equal length: {clf.equal_length_}, longest seen: {clf.n_timepoints_}")
print(f"test accuracy: {clf.score(X_test, y_test):.4f}")
plot_history(clf, title="JapaneseVowels: training")

# %%
# Padding changes nothing
# -----------------------
# The same series as a list of arrays cut to their true lengths give the same probabilities as the
# padded array, and one series alone the same as in a batch.
as_list = [x[:, :n] for x, n in zip(X_test[:5], len_test[:5])]
batch = clf.predict_proba(X_test[:5])
same = np.allclose(clf.predict_proba(as_list), batch, atol=1e-5)
alone = np.allclose(clf.predict_proba(as_list[:1]), batch[:1], atol=1e-5)
print(f"list of unequal arrays gives the same probabilities as the padded array: {same}")
print(f"one series alone gives the same as in the batch: {alone}")
assert same and alone
