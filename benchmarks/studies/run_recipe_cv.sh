#!/usr/bin/env bash
# The recipe study: CV inside the TRAIN splits of all 12 shared sets, every single-change
# candidate from the defaults, 3 stratified folds, seeds 0 and 1, one CPU thread. Resumable: a rerun
# skips the rows in benchmarks/results/recipe-cv/cv.csv. Cheap datasets first, so that whole
# datasets finish early. DATASETS="..." runs a part: two processes on disjoint parts (say PenDigits,
# 7,494 series, beside the rest) append to the same file, each row written whole. CONFIGS="..." runs
# other candidates (RULE.md's amendment: CONFIGS=d_train_on).
set -euo pipefail
cd "$(dirname "$0")/../.."
ARCHIVE=${ARCHIVE:-../shared/uea}
exec .venv/bin/python -m benchmarks.studies.select_config --archive "$ARCHIVE" --device cpu --threads 1 \
  --folds 3 --seeds 0 1 --fused off --out-dir benchmarks/results/recipe-cv \
  --datasets ${DATASETS:-BasicMotions ERing Libras RacketSports AtrialFibrillation NATOPS Epilepsy JapaneseVowels \
             ArticularyWordRecognition FingerMovements StandWalkJump PenDigits} \
  --configs ${CONFIGS:-defaults d_batch16 d_batch32 d_batch64 d_batch_rule d_steps d_plateau d_instance d_channel \
            d_unweighted} "$@"
