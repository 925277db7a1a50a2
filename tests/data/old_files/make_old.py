"""Write small model files, pickles and checkpoints with the code on sys.path[0] (an old commit)."""
import pickle, sys, os, glob, shutil
import numpy as np
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
from mlstm_fcn.estimator import MLSTMFCNClassifier
rng = np.random.RandomState(0)
X = rng.randn(12, 2, 16).astype(np.float32)
y = np.array(["a", "b"] * 6)
X[y == "b", 0] += 1.5
params = dict(lstm_units=2, filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2, epochs=3, batch_size=4,
              device="cpu", random_state=0, checkpoint_every=1)
ckdir = os.path.join(out, "checkpoints")
clf = MLSTMFCNClassifier(checkpoint_dir=ckdir, **params).fit(X, y)
clf.checkpoint_dir = None
np.savez(os.path.join(out, "data.npz"), X=X, y=y, proba=clf.predict_proba(X))
clf.save(os.path.join(out, "classifier.safetensors"))
with open(os.path.join(out, "classifier.pkl"), "wb") as f:
    pickle.dump(clf, f)
print(glob.glob(ckdir + "/*"), clf.history_.get("epoch"), getattr(clf, "best_epoch_", None))
try:
    from mlstm_fcn.regressor import MLSTMFCNRegressor
except ImportError:
    MLSTMFCNRegressor = None
if MLSTMFCNRegressor is not None:
    t = X[:, 0].mean(axis=1)
    reg = MLSTMFCNRegressor(**{k: v for k, v in params.items() if k != "checkpoint_every"}).fit(X, t)
    np.save(os.path.join(out, "regressor_prediction.npy"), reg.predict(X))
    reg.save(os.path.join(out, "regressor.safetensors"))
if "warm_start" in MLSTMFCNClassifier().get_params():
    warm = MLSTMFCNClassifier(warm_start=True, **{k: v for k, v in params.items() if k != "checkpoint_every"}).fit(X, y)
    print("runs kept:", hasattr(warm, "_runs"))
    with open(os.path.join(out, "classifier_warm_start.pkl"), "wb") as f:
        pickle.dump(warm, f)
