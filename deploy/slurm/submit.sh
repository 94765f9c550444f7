#!/bin/bash
# Submits the shards as a job array and the merge as a job that waits for all of them:
#   MODEL=models/etcd-quorum.toml YEARS=1000000 RESULTS=results deploy/slurm/submit.sh
# sbatch passes the environment (MODEL, YEARS, RESULTS) on to both jobs.
set -euo pipefail
here=$(dirname "$0")
array=$(sbatch --parsable "$here/shards.sbatch")
# --parsable prints "JOBID" or "JOBID;CLUSTER".
sbatch --dependency="afterok:${array%%;*}" "$here/merge.sbatch"
