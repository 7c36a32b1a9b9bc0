"""Keep a model consistent when an update fails: snapshots to roll back to, and NaN checks that say where.

A Ctrl-C, a crashed env worker or a NaN in the middle of an update must not leave half-updated parameters
or a timestep count that includes a discarded partial rollout.  Each update starts from a snapshot of the
parameters, the optimizer state and ``num_timesteps``; any exception restores it before propagating.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


class UpdateSnapshot:
    """
    The state of a model before one update: parameters, optimizer state and ``num_timesteps``.

    :param model: (PPO2) the model
    """

    def __init__(self, model: Any):
        self.num_timesteps = model.num_timesteps
        self.params = [p.detach() for p in model.act_model.parameters()]
        self.param_copies = _clone_all(self.params)
        self.optimizer_slots = [(param, key) for param in model.act_model.parameters()
                                if param in model.optimizer.state
                                for key, value in model.optimizer.state[param].items() if torch.is_tensor(value)]
        self.optimizer_copies = _clone_all([model.optimizer.state[param][key] for param, key in self.optimizer_slots])
        self.optimizer_params = set(model.optimizer.state.keys())

    def restore(self, model: Any) -> None:
        """
        Put the model back as it was when the snapshot was taken.

        :param model: (PPO2) the model
        """
        model.num_timesteps = self.num_timesteps
        with torch.no_grad():
            _copy_all(self.params, self.param_copies)
            _copy_all([model.optimizer.state[param][key] for param, key in self.optimizer_slots], self.optimizer_copies)
        for param in list(model.optimizer.state.keys()):
            if param not in self.optimizer_params:  # first update: the optimizer had no state yet
                del model.optimizer.state[param]


def _clone_all(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    # One dispatch for the whole list (cloning tensor by tensor costs microseconds each).
    return torch._foreach_mul(tensors, 1.0) if tensors else []


def _copy_all(destinations: list[torch.Tensor], sources: list[torch.Tensor]) -> None:
    if destinations:
        torch._foreach_copy_(destinations, sources)


def check_rollout_finite(obs: np.ndarray, rewards: np.ndarray, n_envs: int, n_steps: int) -> None:
    """
    Stop training on NaN or inf coming from the environment, saying which env and step produced it.

    :param obs: (np.ndarray) observations of the rollout, flattened env-major
    :param rewards: (np.ndarray) rewards of the rollout, flattened env-major
    :param n_envs: (int) number of envs
    :param n_steps: (int) steps per env
    :raises ValueError: naming the quantity, the env index and the step
    """
    for name, values in (("rewards", rewards), ("observations", obs)):
        if not np.issubdtype(values.dtype, np.floating):
            continue
        finite = np.isfinite(values.reshape(values.shape[0], -1)).all(axis=1)
        if finite.all():
            continue
        first = int(np.argmin(finite))
        env_idx, step = divmod(first, n_steps)
        kind = "NaN" if np.isnan(values[first]).any() else "inf"
        raise ValueError(
            f"found {kind} in the environment's {name} (env {env_idx} of {n_envs}, step {step} of this rollout); "
            "training stopped before the parameters could become NaN. Wrap the env in VecCheckNan(env, "
            "raise_exception=True) to find the exact step and action, or fix the environment."
        )


def check_losses_finite(loss_means: list[float], loss_names: list[str]) -> None:
    """
    :param loss_means: ([float]) the update's mean losses
    :param loss_names: ([str]) their names
    :raises FloatingPointError: when a loss is NaN or inf (the caller restores the previous parameters)
    """
    bad = [name for name, value in zip(loss_names, loss_means) if not np.isfinite(value)]
    if bad:
        raise FloatingPointError(
            f"the update produced non-finite {', '.join(bad)}; the parameters were restored to their values "
            "before this update. Lower learning_rate, check the rewards' scale (VecNormalize) or max_grad_norm."
        )
