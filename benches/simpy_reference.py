#!/usr/bin/env python3
"""An idiomatic SimPy implementation of nines' level-1 semantics, to compare speeds.

    python3 benches/simpy_reference.py MODEL.toml [YEARS]

Reads a level-1 model file (docs/model-reference.md: components, replicas, `needs`, competing failure
modes with `every`/`detect`/`repair`, leader elections, the `up` expression) and simulates
YEARS independent years (default 200) the way a SimPy user would write it: one process per
replica, one per election, an `up` expression evaluated on every change. It prints the mean
availability (to check it simulates the same thing as `nines run`) and its years per second
by its own clock (the simulation only: `nines bench --reference` times the whole process).
Random numbers come from Python's `random` module, so its figures agree with nines' only
statistically. Needs `pip install simpy` (tested with SimPy 4.1.2, Python 3.11).

A model with anything else (`[kubernetes]` and pods, Raft or lease leaders, planned work,
incidents, backups, traffic) is refused with exit status 2, naming the key: simulating it
without those parts would time a different, simpler model (some of them change no simulated
availability, but they change what nines computes, and so its speed). `[slo]`, `[services]`
and a component's `cost` are read by nines for its reports only, and ignored here.
"""

import math
import random
import re
import sys
import time
import tomllib

import simpy

UNITS = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0,
         "y": 365 * 86400.0}


def seconds(text):
    """A duration string ("1h30m", "250ms") in seconds."""
    return sum(float(number) * UNITS[unit]
               for number, unit in re.findall(r"([0-9.]+)\s*(ms|s|m|h|d|w|y)", text))


def sampler(spec):
    """A function rng -> seconds drawing from a distribution of docs/model-reference.md."""
    if isinstance(spec, str):
        value = seconds(spec)
        return lambda rng: value
    kind = spec["dist"]
    if kind == "fixed":
        value = seconds(spec["value"])
        return lambda rng: value
    if kind == "exponential":
        rate = 1.0 / seconds(spec["mean"])
        return lambda rng: rng.expovariate(rate)
    if kind == "uniform":
        low, high = seconds(spec["min"]), seconds(spec["max"])
        return lambda rng: rng.uniform(low, high)
    if kind == "lognormal":
        if "median" in spec:
            mu, sigma = math.log(seconds(spec["median"])), float(spec["sigma"])
        else:
            mean, sd = seconds(spec["mean"]), seconds(spec["sd"])
            sigma = math.sqrt(math.log(1 + (sd / mean) ** 2))
            mu = math.log(mean) - sigma ** 2 / 2
        return lambda rng: rng.lognormvariate(mu, sigma)
    if kind == "weibull":
        shape = float(spec["shape"])
        scale = (seconds(spec["scale"]) if "scale" in spec
                 else seconds(spec["mean"]) / math.gamma(1 + 1 / shape))
        return lambda rng: rng.weibullvariate(scale, shape)
    if kind == "gamma":
        shape = float(spec["shape"])
        scale = seconds(spec["mean"]) / shape
        return lambda rng: rng.gammavariate(shape, scale)
    if kind == "empirical":
        samples = [seconds(s) for s in spec["samples"]]
        return lambda rng: rng.choice(samples)
    raise ValueError(f"unknown dist {kind}")


class Component:
    """A component's replicas and leader office, in one simulated year."""

    def __init__(self, year, spec):
        self.year = year
        self.name = spec["name"]
        self.replicas = spec.get("replicas", 1)
        needs = spec.get("needs", 1)
        self.needs = {"majority": self.replicas // 2 + 1, "all": self.replicas}.get(needs, needs)
        leader = spec.get("leader")
        self.election = sampler(leader["election"]) if leader else None
        self.modes = [(sampler(m["every"]), sampler(m.get("detect", "0s")), sampler(m["repair"]))
                      for m in spec.get("failure", [])]
        self.replica_up = [True] * self.replicas
        self.up = self.replicas
        self.office = "held" if self.election else None
        self.holder = 0
        for replica in range(self.replicas):
            year.env.process(self.live(replica))

    def serving(self):
        return self.up >= self.needs and self.office in (None, "held")

    def live(self, replica):
        """A replica: up until the earliest failure mode strikes, then down to repair."""
        env, rng = self.year.env, self.year.rng
        while self.modes:  # without failure modes a replica never fails
            # Competing risks: every mode draws a time to failure, the earliest strikes.
            times = [max(every(rng), 1e-6) for every, _, _ in self.modes]
            strikes = times.index(min(times))
            yield env.timeout(times[strikes])
            _, detect, repair = self.modes[strikes]
            self.replica_up[replica] = False
            self.up -= 1
            if self.office == "held" and (self.holder == replica or self.up < self.needs):
                self.office = "vacant"
            self.maybe_elect()
            self.year.changed()
            yield env.timeout(detect(rng) + repair(rng))
            self.replica_up[replica] = True
            self.up += 1
            self.maybe_elect()
            self.year.changed()

    def maybe_elect(self):
        if self.office == "vacant" and self.up >= self.needs:
            self.office = "electing"
            self.year.env.process(self.elect())

    def elect(self):
        yield self.year.env.timeout(self.election(self.year.rng))
        if self.up >= self.needs:
            self.office = "held"
            self.holder = self.replica_up.index(True)
        else:
            self.office = "vacant"
        self.year.changed()


class Year:
    """One simulated year: its components, and the downtime of the `up` expression."""

    def __init__(self, model, seed, index):
        self.env = simpy.Environment()
        self.rng = random.Random(seed * 1_000_003 + index)
        self.components = {c["name"]: Component(self, c) for c in model["component"]}
        up = " ".join(model["up"].split())  # nines reads any whitespace as a space
        expression = re.sub(r"[a-z0-9_-]+", lambda m: f"c[{m.group(0)!r}].serving()",
                            up).replace("&", " and ").replace("|", " or ")
        self.up_expression = compile(expression, "up", "eval")
        self.is_up, self.down_since, self.downtime, self.outages = True, 0.0, 0.0, 0

    def changed(self):
        up = eval(self.up_expression, {"c": self.components})
        if up != self.is_up:
            self.is_up = up
            if up:
                self.downtime += self.env.now - self.down_since
            else:
                self.down_since = self.env.now
                self.outages += 1

    def run(self, horizon):
        self.env.run(until=horizon)
        if not self.is_up:
            self.downtime += horizon - self.down_since
        return 1.0 - self.downtime / horizon


# What this script simulates; `slo`, `services` and `cost` change no simulated value.
LEVEL_ONE = {
    "model": {"name", "up", "simulation", "slo", "services", "component"},
    "simulation": {"years", "seed", "horizon"},
    "component": {"name", "replicas", "needs", "cost", "leader", "failure"},
    "leader": {"election"},
    "failure": {"name", "every", "detect", "repair"},
}


def unsupported(model):
    """The first key of `model` this script does not simulate, as a path, or None."""
    def extra(table, kind, path):
        return next((f"{path}{key}" for key in table if key not in LEVEL_ONE[kind]), None)

    found = extra(model, "model", "") or extra(model.get("simulation", {}), "simulation",
                                                   "simulation.")
    for component in model.get("component", []):
        path = f"component.{component.get('name', '?')}."
        leader = component.get("leader")
        found = found or extra(component, "component", path)
        found = found or (extra(leader, "leader", path + "leader.")
                          if isinstance(leader, dict) else None)
        for mode in component.get("failure", []):
            mode_path = f"{path}failure.{mode.get('name', '?')}."
            found = found or extra(mode, "failure", mode_path)
            for key in ("detect", "repair"):
                if isinstance(mode.get(key), str) and not re.fullmatch(
                        r"(\s*[0-9.]+\s*(ms|s|m|h|d|w|y))+\s*", mode[key]):
                    found = found or f'{mode_path}{key} = "{mode[key]}"'
    return found


def main():
    with open(sys.argv[1], "rb") as file:
        model = tomllib.load(file)
    found = unsupported(model)
    if found:
        print(f"{sys.argv[1]}: `{found}`: this script simulates only components, their "
              "failure modes and `election` leaders, and `up`", file=sys.stderr)
        sys.exit(2)
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    simulation = model.get("simulation", {})
    horizon = seconds(simulation.get("horizon", "1y"))
    seed = simulation.get("seed", 1)
    started = time.perf_counter()
    availability = sum(Year(model, seed, k).run(horizon) for k in range(years)) / years
    elapsed = time.perf_counter() - started
    print(f"{model['name']}: {years} years, mean availability {availability:.6%}")
    print(f"simpy: {years / elapsed:.1f} years/s (the simulation only, start-up excluded)")


if __name__ == "__main__":
    main()
