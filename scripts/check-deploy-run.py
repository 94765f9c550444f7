"""Runs the commands of deploy/ locally and compares their merge with a single run.

Each shard of the Kubernetes Indexed Job (deploy/kubernetes/shards-job.yaml) runs as the pod
would: the container's args with $(VAR) expanded from its env and JOB_COMPLETION_INDEX, the
mount points /model and /results mapped to directories here. Then the args of the merge Job.
The Slurm array (deploy/slurm/shards.sbatch) runs under bash with SLURM_ARRAY_TASK_ID and
SLURM_ARRAY_TASK_COUNT set, then merge.sbatch. Shards run as separate processes, in a
scrambled order; each merge must equal `nines run MODEL --years N --out DIR`, file by file.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

MODEL = Path("models/etcd-quorum.toml")
YEARS = os.environ.get("CHECK_DEPLOY_YEARS", "4000")
NINES = os.environ["NINES"]
DEPLOY = Path("deploy")


def run(command, env=None):
    """Runs one process; its stderr (the performance lines) is shown only if it fails."""
    done = subprocess.run([str(part) for part in command], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} exited {done.returncode}:\n{done.stderr}")


def scrambled(count):
    """0..count in a fixed scrambled order: odd indices descending, then even ascending."""
    odd = [k for k in range(count) if k % 2 == 1]
    return odd[::-1] + [k for k in range(count) if k % 2 == 0]


def files(directory):
    """Every file of a result directory, by name."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def same(merged, model, what):
    """The merged directory against a single run of `model` (named as the shards named it,
    since report.html shows the file's name)."""
    single = merged.parent / "single"
    run([NINES, "run", model, "--years", YEARS, "--out", single])
    got, expected = files(merged), files(single)
    if got.keys() != expected.keys():
        sys.exit(f"{what}: files {sorted(got)} instead of {sorted(expected)}")
    for name, data in expected.items():
        if got[name] != data:
            sys.exit(f"{what}: {name} differs from the single run's")
    print(f"  {what}: {len(got)} files byte-identical to the single run")


def container(path):
    """The Job's only container."""
    job = yaml.safe_load(path.read_text())
    (only,) = job["spec"]["template"]["spec"]["containers"]
    return job, only


def kubernetes_command(spec, env, mounts):
    """The container's command line as the kubelet runs it: $(VAR) from env, mounts mapped."""
    def expand(arg):
        arg = re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], arg)
        for mount, local in mounts.items():
            if arg == mount or arg.startswith(mount + "/"):
                arg = str(local) + arg[len(mount):]
        return arg

    return [NINES] + [expand(str(arg)) for arg in spec["args"]]


def kubernetes(work):
    model_dir = work / "model"
    model_dir.mkdir()
    shutil.copy(MODEL, model_dir / "model.toml")
    mounts = {"/model": model_dir, "/results": work / "results"}
    job, shard = container(DEPLOY / "kubernetes/shards-job.yaml")
    assert job["spec"]["completionMode"] == "Indexed"
    completions = job["spec"]["completions"]
    env = {item["name"]: item["value"] for item in shard.get("env", [])}
    env["YEARS"] = YEARS
    order = scrambled(completions)
    for index in order:
        command = kubernetes_command(shard, {**env, "JOB_COMPLETION_INDEX": str(index)}, mounts)
        run(command)
    # An index that runs twice (a retried or duplicate pod) leaves one complete shard.
    command = kubernetes_command(shard, {**env, "JOB_COMPLETION_INDEX": str(order[0])}, mounts)
    run(command)
    _, merge = container(DEPLOY / "kubernetes/merge-job.yaml")
    run(kubernetes_command(merge, {}, mounts))
    model = model_dir / "model.toml"
    same(work / "results/merged", model, f"Kubernetes Indexed Job, {completions} shards")


def slurm(work):
    script = (DEPLOY / "slurm/shards.sbatch").read_text()
    (first, last) = re.search(r"^#SBATCH --array=(\d+)-(\d+)$", script, re.M).groups()
    tasks = int(last) - int(first) + 1
    bindir = work / "bin"
    bindir.mkdir()
    (bindir / "nines").symlink_to(NINES)
    env = {
        **os.environ,
        "PATH": f"{bindir}:{os.environ['PATH']}",
        "MODEL": str(MODEL.resolve()),
        "YEARS": YEARS,
        "RESULTS": str(work / "results"),
        "SLURM_ARRAY_TASK_COUNT": str(tasks),
        "SLURM_CPUS_PER_TASK": "1",
    }
    for task in scrambled(tasks):
        task_env = {**env, "SLURM_ARRAY_TASK_ID": str(task)}
        run(["bash", DEPLOY / "slurm/shards.sbatch"], env=task_env)
    run(["bash", DEPLOY / "slurm/merge.sbatch"], env=env)
    same(work / "results/merged", env["MODEL"], f"Slurm job array, {tasks} tasks")


def main():
    with tempfile.TemporaryDirectory() as scratch:
        for name, engine in [("kubernetes", kubernetes), ("slurm", slurm)]:
            work = Path(scratch) / name
            work.mkdir()
            engine(work)


if __name__ == "__main__":
    main()
