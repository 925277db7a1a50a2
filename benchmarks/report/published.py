"""Published accuracies on 12 UEA datasets (default train/test splits).

An independent rerun by Foumani et al. (2024, "Improving position encoding of
transformers for multivariate time series classification", ConvTran), Table 1:
MLSTM-FCN, InceptionTime and MultiRocket (:data:`PUBLISHED`), and further anchors
read from public results files (:data:`ANCHORS`, each cited below).
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


# --- Anchors from public results files. Each figure is read from the file named, at the commit
# --- named (GitHub), never typed from memory; a dataset a file lacks has no entry (an empty cell).

#: The plain FCN (global average pooling) of PoolParty-4-TSC (Kazmierczak et al., "A Deep Dive into
#: Alternatives to the Global Average Pooling for Time Series Classification", AALTD 2025):
#: repository MSD-IRIMAS/PoolParty-4-TSC, commit 62a1948da4452de9d296684076e8184c2c48ed49, the 11 run files
#: results/uea/EXP_fcn_gap_<id>.csv (column ``accuracy``, rows model=fcn, reduce=gap), in this order:
FCN_POOLPARTY_FILES = tuple(f"results/uea/EXP_fcn_gap_{i}.csv" for i in (
    "17425930850312705", "17428558904616675", "17429003445664463", "17429380273849196", "17429749823179343",
    "17430823666487226", "17431042816086612", "1743136675319064", "17431752634301133", "17432131774807992",
    "17432491379984298"))
FCN_POOLPARTY_SOURCE = ("MSD-IRIMAS/PoolParty-4-TSC", "results/uea/EXP_fcn_gap_*.csv (11 runs)",
                        "62a1948da4452de9d296684076e8184c2c48ed49")
#: dataset: test accuracy of each run, in the order of FCN_POOLPARTY_FILES (as the files write them).
#: 11 of the 12 shared sets: the files hold 26 UEA sets, all of equal length; JapaneseVowels is in none of them.
FCN_POOLPARTY_RUNS = {
    "ArticularyWordRecognition": (0.9800000190734863, 0.9800000190734863, 0.9866666793823242, 0.9800000190734863,
                                  0.9733333587646484, 0.9833333492279053, 0.9800000190734863, 0.9900000095367432,
                                  0.9833333492279053, 0.9900000095367432, 0.9833333492279053),
    "AtrialFibrillation": (0.3333333432674408, 0.3333333432674408, 0.46666666865348816, 0.4000000059604645,
                           0.3333333432674408, 0.46666666865348816, 0.46666666865348816, 0.5333333611488342,
                           0.4000000059604645, 0.3333333432674408, 0.3333333432674408),
    "BasicMotions": (1.0,) * 11,
    "ERing": (0.8740741014480591, 0.8629629611968994, 0.8740741014480591, 0.8777777552604675, 0.8629629611968994,
              0.8814814686775208, 0.8777777552604675, 0.8629629611968994, 0.8962963223457336, 0.8888888955116272,
              0.8814814686775208),
    "Epilepsy": (1.0, 0.9927536249160767, 1.0, 0.9927536249160767, 1.0, 0.97826087474823, 1.0, 1.0,
                 0.9927536249160767, 1.0, 0.9927536249160767),
    "FingerMovements": (0.550000011920929, 0.550000011920929, 0.5799999833106995, 0.5699999928474426,
                        0.550000011920929, 0.5400000214576721, 0.5299999713897705, 0.5099999904632568,
                        0.5600000023841858, 0.550000011920929, 0.5600000023841858),
    "Libras": (0.894444465637207, 0.8833333253860474, 0.8999999761581421, 0.8888888955116272, 0.9166666865348816,
               0.894444465637207, 0.894444465637207, 0.894444465637207, 0.8999999761581421, 0.9055555462837219,
               0.894444465637207),
    "NATOPS": (0.894444465637207, 0.8999999761581421, 0.8888888955116272, 0.894444465637207, 0.9111111164093018,
               0.9166666865348816, 0.894444465637207, 0.9111111164093018, 0.9055555462837219, 0.8999999761581421,
               0.9111111164093018),
    "PenDigits": (0.9865637421607971, 0.9882790446281433, 0.987707257270813, 0.9859920144081116, 0.9868496060371399,
                  0.9837049841880798, 0.9854202270507812, 0.9854202270507812, 0.9851343631744385,
                  0.9854202270507812, 0.9831331968307495),
    "RacketSports": (0.875, 0.8486841917037964, 0.8618420958518982, 0.8684210777282715, 0.8684210777282715,
                     0.8684210777282715, 0.8552631735801697, 0.8618420958518982, 0.8618420958518982,
                     0.8618420958518982, 0.8486841917037964),
    "StandWalkJump": (0.20000000298023224, 0.13333334028720856, 0.20000000298023224, 0.3333333432674408,
                      0.2666666805744171, 0.2666666805744171, 0.13333334028720856, 0.3333333432674408,
                      0.3333333432674408, 0.20000000298023224, 0.3333333432674408),
}

#: LITEMVTime, an ensemble of 5 LITEMV networks (Ismail-Fawaz et al., LITE): repository MSD-IRIMAS/LITE,
#: commit e2c2680fda0e0f4f9d1384ef959e33580cc7f473, results_multivariate.csv, column ``LITEMVTime``.
#: All 12 shared sets are in the file, spelt as here.
LITEMVTIME_SOURCE = ("MSD-IRIMAS/LITE", "results_multivariate.csv", "e2c2680fda0e0f4f9d1384ef959e33580cc7f473")
LITEMVTIME = {
    "ArticularyWordRecognition": 0.973333333333333,
    "AtrialFibrillation": 0.133333333333333,
    "BasicMotions": 1.0,
    "ERing": 0.844444444444444,
    "Epilepsy": 0.992753623188406,
    "FingerMovements": 0.56,
    "JapaneseVowels": 0.964864864864865,
    "Libras": 0.894444444444444,
    "NATOPS": 0.9,
    "PenDigits": 0.988564894225272,
    "RacketSports": 0.736842105263158,
    "StandWalkJump": 0.666666666666667,
}


def fcn_poolparty_mean() -> dict[str, float]:
    """The PoolParty-4-TSC FCN's mean test accuracy over its 11 runs, per dataset it covers."""
    return {d: sum(runs) / len(runs) for d, runs in FCN_POOLPARTY_RUNS.items()}


#: Published anchors beside :data:`PUBLISHED` in the README: column label -> {dataset: accuracy}.
ANCHORS = {"FCN (PoolParty-4-TSC, mean of 11 runs)": fcn_poolparty_mean(), "LITEMVTime": LITEMVTIME}
