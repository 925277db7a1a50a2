"""
Regression with MLSTMFCNRegressor
=================================

:class:`~mlstm_fcn.MLSTMFCNRegressor` is the same network with a linear output, trained with the mean
squared error: one number (or several) per series instead of a class.

The bundled datasets are all classification problems, so this example derives a target from one:
from the first 80 steps of a BasicMotions recording (6 channels), predict how hard the watch turns
in the 20 steps that follow, measured as the mean absolute gyroscope reading over steps 80 to 100.
A short forecast of activity intensity; the target is made up for the example, not a benchmark.
"""

# %%
# The derived target
# ------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import mean_squared_error, r2_score

from mlstm_fcn import MLSTMFCNRegressor
from mlstm_fcn.datasets import load_uea

SEEN, GYRO = 80, slice(3, 6)  # steps the model sees; BasicMotions' gyroscope channels


def split(name):
    X, _ = load_uea("BasicMotions", split=name)
    return X[:, :, :SEEN], np.abs(X[:, GYRO, SEEN:]).mean(axis=(1, 2))


X_train, y_train = split("train")
X_test, y_test = split("test")
print(f"X {X_train.shape}, target from {y_train.min():.2f} to {y_train.max():.2f}")

# %%
# Train
# -----
# ``scaling="channel"`` standardises each channel with the training statistics (the gyroscope and
# accelerometer read on different scales); the regressor standardises the target itself.
reg = MLSTMFCNRegressor(epochs=150, scaling="channel", n_jobs=-1, random_state=0).fit(X_train, y_train)
pred = reg.predict(X_test)

# %%
# Evaluate
# --------
# ``score`` is R², the fraction of the target's variance the model explains. Predicting the
# training mean for every series (R² near 0) is the floor to beat. Much of the target's variance lies
# between the activities (standing barely turns the watch, badminton a lot), which the network tells
# apart from the first 80 steps.
mean_only = np.full_like(y_test, y_train.mean())
print(f"MLSTMFCNRegressor: R2 {reg.score(X_test, y_test):.3f}, "
      f"RMSE {mean_squared_error(y_test, pred) ** 0.5:.3f}")
print(f"training mean:     R2 {r2_score(y_test, mean_only):.3f}, "
      f"RMSE {mean_squared_error(y_test, mean_only) ** 0.5:.3f}")

fig, ax = plt.subplots(figsize=(4.5, 4.2), layout="constrained")
ax.scatter(y_test, pred, s=18)
lim = [0, max(y_test.max(), pred.max()) * 1.05]
ax.plot(lim, lim, color="grey", lw=1)
ax.set(xlim=lim, ylim=lim, xlabel="true", ylabel="predicted", title="BasicMotions test: gyro intensity")
