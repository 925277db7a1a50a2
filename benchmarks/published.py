"""Published accuracies on 12 UEA datasets (default train/test splits).

An independent rerun by Foumani et al. (2024, "Improving position encoding of
transformers for multivariate time series classification", ConvTran), Table 1:
MLSTM-FCN, InceptionTime and MultiRocket.
"""

PUBLISHED = {
    # dataset: (MLSTM-FCN, InceptionTime, MultiRocket)
    "ArticularyWordRecognition": (0.9033, 0.9866, 0.9866),
    "AtrialFibrillation": (0.1333, 0.20, 0.066),
    "BasicMotions": (0.975, 1.0, 1.0),
    "ERing": (0.8888, 0.9296, 0.9851),
    "Epilepsy": (0.9782, 0.9928, 0.9855),
    "FingerMovements": (0.55, 0.56, 0.51),
    "JapaneseVowels": (0.954, 0.9702, 0.9676),
    "Libras": (0.7444, 0.8722, 0.9111),
    "NATOPS": (0.9388, 0.9166, 0.9166),
    "PenDigits": (0.9797, 0.9797, 0.9702),
    "RacketSports": (0.8355, 0.8223, 0.9013),
    "StandWalkJump": (0.3333, 0.40, 0.6666),
}
METHODS = ("MLSTM-FCN (published)", "InceptionTime", "MultiRocket")
