"""Benchmark configs in Stable-Baselines 2's names, and their translation to sb_ppo2 and SB3 ``PPO`` kwargs.

A config lists only the hyper-parameters it sets; the rest are SB2's constructor defaults (``SB2_DEFAULTS``), so
sb_ppo2 gets exactly what a user would type and SB3 gets the same numbers spelled its way:

- ``nminibatches`` -> ``batch_size = n_steps * n_envs // nminibatches``, ``noptepochs`` -> ``n_epochs``,
  ``lam`` -> ``gae_lambda``, ``cliprange`` -> ``clip_range``;
- ``cliprange_vf=None`` (SB2's default) clips the value with ``cliprange``, so SB3 gets ``clip_range_vf`` equal to
  ``clip_range`` (same schedule); ``-1`` turns the clipping off (SB3: ``None``);
- SB2's ``MlpPolicy`` (separate 64-64 tanh networks, orthogonal init) -> SB3's ``net_arch=dict(pi=[64, 64],
  vf=[64, 64])`` with ``nn.Tanh``; SB2's ``CnnPolicy`` (NatureCNN, linear heads) -> SB3's ``CnnPolicy``;
- Adam's ``eps=1e-5`` (SB2's) for SB3 too.

Linear schedules: SB2 calls them, at update ``k`` of ``n``, with ``frac = 1 - (k - 1) / n``.  SB3 calls its
schedules in ``train()`` with ``progress_remaining = 1 - k / n`` (the count is taken after the rollout), one update
later; ``SB3Linear`` adds that ``1 / n`` back so both libraries use the same value at every update.  Budgets are
rounded down to whole updates (``n_envs * n_steps``) so both libraries run the same number of updates.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Stable-Baselines 2.10 ``PPO2.__init__`` defaults (the ones a config may leave out).
SB2_DEFAULTS: dict[str, Any] = {
    "gamma": 0.99, "n_steps": 128, "ent_coef": 0.01, "learning_rate": 2.5e-4, "vf_coef": 0.5,
    "max_grad_norm": 0.5, "lam": 0.95, "nminibatches": 4, "noptepochs": 4, "cliprange": 0.2, "cliprange_vf": None,
}

SYNTHETIC_ATARI = "SyntheticAtari"


@dataclass(frozen=True)
class Linear:
    """A zoo ``lin_<x>`` schedule: ``progress * start`` (SB2's ``frac``)."""

    start: float


class SB3Linear:
    """
    SB3 side of a ``Linear`` schedule, shifted so that it equals SB2's value at every update.

    :param start: (float) value at the first update
    :param n_updates: (int) number of updates of the run
    """

    def __init__(self, start: float, n_updates: int):
        self.start = start
        self.n_updates = n_updates

    def __call__(self, progress_remaining: float) -> float:
        return min(1.0, progress_remaining + 1.0 / self.n_updates) * self.start

    def __repr__(self) -> str:
        return f"SB3Linear({self.start}, n_updates={self.n_updates})"


@dataclass(frozen=True)
class BenchConfig:
    """
    One benchmark setting.

    :param name: config name (CLI)
    :param env_id: gymnasium id, or ``SYNTHETIC_ATARI``
    :param policy: ``MlpPolicy`` or ``CnnPolicy``
    :param n_envs: number of envs
    :param total_timesteps: budget before rounding to whole updates
    :param hyperparams: SB2-named hyper-parameters that differ from ``SB2_DEFAULTS``
    :param vec_env: ``dummy`` or ``subproc``
    :param success_threshold: final mean reward that counts as a success (None: not counted)
    :param target_ratio: issue 5's sps target for sb_ppo2 / SB3 (None: no target)
    :param group: ``main`` or ``scaling``
    """

    name: str
    env_id: str
    policy: str
    n_envs: int
    total_timesteps: int
    hyperparams: dict[str, Any] = field(default_factory=dict)
    vec_env: str = "dummy"
    success_threshold: float | None = None
    target_ratio: float | None = None
    group: str = "main"

    def sb2_value(self, name: str) -> Any:
        """The SB2 hyper-parameter ``name`` (the config's or SB2's default)."""
        return self.hyperparams.get(name, SB2_DEFAULTS[name])

    @property
    def n_batch(self) -> int:
        """Env steps per update."""
        return self.n_envs * self.sb2_value("n_steps")

    @property
    def n_updates(self) -> int:
        """Whole updates in the budget (at least one)."""
        return max(1, self.total_timesteps // self.n_batch)

    @property
    def timesteps(self) -> int:
        """The budget both libraries are given: whole updates."""
        return self.n_updates * self.n_batch

    def with_timesteps(self, total_timesteps: int) -> BenchConfig:
        """A copy with another budget (quick checks, smoke test)."""
        return dataclasses.replace(self, total_timesteps=total_timesteps)

    def to_json(self) -> dict[str, Any]:
        """JSON-able description (schedules as ``{"linear": x}``)."""
        params = {k: ({"linear": v.start} if isinstance(v, Linear) else v) for k, v in self.hyperparams.items()}
        return {"name": self.name, "env_id": self.env_id, "policy": self.policy, "n_envs": self.n_envs,
                "vec_env": self.vec_env, "total_timesteps": self.timesteps, "n_updates": self.n_updates,
                "hyperparams": params, "success_threshold": self.success_threshold,
                "target_ratio": self.target_ratio, "group": self.group}


ZOO_CARTPOLE_PARAMS: dict[str, Any] = {
    "n_steps": 32, "nminibatches": 1, "noptepochs": 20, "gamma": 0.98, "lam": 0.8, "ent_coef": 0.0,
    "learning_rate": Linear(1e-3), "cliprange": Linear(0.2),
}


def _scaling_configs() -> list[BenchConfig]:
    """zoo-cartpole with 1, 8, 64 envs, DummyVecEnv and SubprocVecEnv; budgets reduced (see README)."""
    budgets = {1: 10_000, 8: 50_000, 64: 100_000}
    return [BenchConfig(f"scaling-{vec}-{n}", "CartPole-v1", "MlpPolicy", n, budgets[n], ZOO_CARTPOLE_PARAMS,
                        vec_env=vec, group="scaling")
            for vec in ("dummy", "subproc") for n in (1, 8, 64)]


CONFIGS: dict[str, BenchConfig] = {c.name: c for c in [
    BenchConfig("zoo-cartpole", "CartPole-v1", "MlpPolicy", 8, 100_000, ZOO_CARTPOLE_PARAMS,
                success_threshold=500.0, target_ratio=1.6),
    BenchConfig("sb2-default-cartpole", "CartPole-v1", "MlpPolicy", 8, 100_000, {},
                success_threshold=500.0, target_ratio=2.0),
    BenchConfig("zoo-pendulum", "Pendulum-v1", "MlpPolicy", 8, 100_000,
                {"n_steps": 2048, "nminibatches": 32, "noptepochs": 10, "lam": 0.95, "gamma": 0.99, "ent_coef": 0.0,
                 "learning_rate": 3e-4, "cliprange": 0.2},
                success_threshold=-200.0, target_ratio=1.5),
    BenchConfig("atari-shape", SYNTHETIC_ATARI, "CnnPolicy", 8, 20_000,
                {"n_steps": 128, "nminibatches": 4, "noptepochs": 4, "ent_coef": 0.01, "vf_coef": 0.5,
                 "learning_rate": Linear(2.5e-4), "cliprange": Linear(0.1), "cliprange_vf": -1},
                target_ratio=1.2),
    *_scaling_configs(),
]}

GROUPS: dict[str, list[str]] = {
    "main": [n for n, c in CONFIGS.items() if c.group == "main"],
    "scaling": [n for n, c in CONFIGS.items() if c.group == "scaling"],
    "all": list(CONFIGS),
}


def resolve_configs(spec: str) -> list[BenchConfig]:
    """Comma-separated config names or group names (``main``, ``scaling``, ``all``) -> configs, in order."""
    names: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        if part in GROUPS:
            names.extend(GROUPS[part])
        elif part in CONFIGS:
            names.append(part)
        else:
            raise ValueError(f"unknown config {part!r}; known: {', '.join([*GROUPS, *CONFIGS])}")
    return [CONFIGS[n] for n in dict.fromkeys(names)]


# --- translation ------------------------------------------------------------------------------------------------
def sb_ppo2_kwargs(config: BenchConfig) -> dict[str, Any]:
    """Constructor kwargs for ``sb_ppo2.PPO2`` (only what the config sets; schedules as ``LinearFn``)."""
    from sb_ppo2.common.schedules import LinearFn

    return {k: (LinearFn(v.start) if isinstance(v, Linear) else v) for k, v in config.hyperparams.items()}


def _sb3_schedule(value: Any, n_updates: int) -> Any:
    return SB3Linear(value.start, n_updates) if isinstance(value, Linear) else value


def sb3_policy_kwargs(config: BenchConfig) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` matching SB2's policy (and Adam eps 1e-5)."""
    from torch import nn

    kwargs: dict[str, Any] = {"optimizer_kwargs": {"eps": 1e-5}, "ortho_init": True}
    if config.policy == "MlpPolicy":
        kwargs.update(net_arch={"pi": [64, 64], "vf": [64, 64]}, activation_fn=nn.Tanh)
    else:
        kwargs.update(normalize_images=True)  # NatureCNN on x / 255, as SB2's nature_cnn
    return kwargs


def sb3_kwargs(config: BenchConfig) -> dict[str, Any]:
    """Constructor kwargs for ``stable_baselines3.PPO`` equivalent to ``config`` (see the module docstring)."""
    v, n = config.sb2_value, config.n_updates
    clip_range = _sb3_schedule(v("cliprange"), n)
    cliprange_vf = v("cliprange_vf")
    if cliprange_vf is None:
        clip_range_vf = clip_range
    elif isinstance(cliprange_vf, (int, float)) and cliprange_vf < 0:
        clip_range_vf = None
    else:
        clip_range_vf = _sb3_schedule(cliprange_vf, n)
    return {
        "n_steps": v("n_steps"), "batch_size": config.n_batch // v("nminibatches"), "n_epochs": v("noptepochs"),
        "gamma": v("gamma"), "gae_lambda": v("lam"), "ent_coef": v("ent_coef"), "vf_coef": v("vf_coef"),
        "max_grad_norm": v("max_grad_norm"), "learning_rate": _sb3_schedule(v("learning_rate"), n),
        "clip_range": clip_range, "clip_range_vf": clip_range_vf, "normalize_advantage": True,
        "policy_kwargs": sb3_policy_kwargs(config),
    }


def env_factory(config: BenchConfig) -> Any:
    """What both libraries' ``make_vec_env`` get: the gymnasium id, or the synthetic Atari env's factory."""
    if config.env_id == SYNTHETIC_ATARI:
        from benchmarks.synthetic_atari import make_synthetic_atari

        return make_synthetic_atari
    return config.env_id
