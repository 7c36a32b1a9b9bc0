"""What sb_ppo2 adds to SB2's model file so that a saved run can resume exactly: Adam state and timesteps.

SB2's files hold only hyper-parameters and weights: a model loaded from them starts with a fresh Adam
(zero moments) and ``num_timesteps = 0``.  sb_ppo2 writes two extra zip members, which SB2 ignores:

* ``sb_ppo2_state``: JSON ``{"num_timesteps": ...}`` (used by ``learn(..., reset_num_timesteps=False)``);
* ``sb_ppo2_optimizer``: an npz of Adam's ``step``, ``exp_avg`` and ``exp_avg_sq`` per parameter, keyed by
  the parameter's SB2 name, in torch layout.

Both are plain data, read with ``numpy.load(allow_pickle=False)``.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import torch

STATE_MEMBER = "sb_ppo2_state"
OPTIMIZER_MEMBER = "sb_ppo2_optimizer"


def training_state_members(model: Any) -> dict[str, bytes]:
    """
    :param model: (PPO2) the model
    :return: (dict) zip member name -> bytes
    """
    arrays = {}
    for sb2_param in model.act_model.sb2_parameters():
        state = model.optimizer.state.get(sb2_param.tensor, {})
        for key, value in state.items():
            if torch.is_tensor(value):
                arrays[f"{sb2_param.name}/{key}"] = value.detach().cpu().numpy()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    state = {"num_timesteps": int(model.num_timesteps)}
    return {STATE_MEMBER: json.dumps(state).encode(), OPTIMIZER_MEMBER: buffer.getvalue()}


def restore_training_state(model: Any, members: dict[str, bytes]) -> None:
    """
    Restore Adam's state and ``num_timesteps`` from a file's extra members (nothing if they are absent).

    :param model: (PPO2) a model whose parameters were just loaded
    :param members: (dict) zip member name -> bytes
    """
    if STATE_MEMBER in members:
        model.num_timesteps = int(json.loads(members[STATE_MEMBER].decode()).get("num_timesteps", 0))
    if OPTIMIZER_MEMBER not in members:
        return
    with np.load(io.BytesIO(members[OPTIMIZER_MEMBER]), allow_pickle=False) as arrays:
        stored = {name: arrays[name] for name in arrays.files}
    for sb2_param in model.act_model.sb2_parameters():
        prefix = f"{sb2_param.name}/"
        entries = {name[len(prefix):]: value for name, value in stored.items() if name.startswith(prefix)}
        if not entries:
            continue
        device = sb2_param.tensor.device
        current = model.optimizer.state.get(sb2_param.tensor, {})
        for key, value in entries.items():
            saved = torch.as_tensor(value, device=device)
            if key in current and current[key].shape == saved.shape:
                current[key].copy_(saved)  # in place: FlatAdam's state tensors are views of its flat buffers
            else:
                current[key] = saved
        model.optimizer.state[sb2_param.tensor] = current
