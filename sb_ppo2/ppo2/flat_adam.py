"""Adam over parameters packed into one flat buffer: one kernel per operation instead of one per tensor.

PPO2's MLPs have a dozen small tensors; per-tensor optimizer bookkeeping (and per-tensor gradient
zeroing and norm computation) then costs more than the arithmetic.  ``FlatAdam`` moves every parameter's
storage into one contiguous vector (the ``nn.Parameter`` objects stay the same, their ``.data`` become
views), keeps the gradients as views of one flat gradient buffer, and runs Adam's update on the whole
vector.  The update is torch's Adam exactly (no weight decay, no amsgrad): ``m = b1 m + (1 - b1) g``,
``v = b2 v + (1 - b2) g^2``, ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch


class FlatAdam:
    """
    Adam whose parameters, gradients and moments each live in one flat tensor.

    It offers the parts of ``torch.optim.Optimizer`` that PPO2 and users touch (``param_groups`` with ``lr``,
    ``state``, ``zero_grad``, ``step``, ``state_dict`` / ``load_state_dict``) without its per-step hook
    machinery, which costs more than this whole update for a small network.  ``state[param]`` holds views
    (``exp_avg``, ``exp_avg_sq``) and a shared ``step`` tensor, as torch's Adam does, so code that reads or
    writes the optimizer state per parameter keeps working.

    :param params: (iterable of nn.Parameter) the parameters (all on one device, one dtype)
    :param lr: (float) learning rate
    :param betas: ((float, float)) moment decay rates
    :param eps: (float) added to the denominator (SB2's PPO2 used 1e-5)
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        self.param_groups = [{"params": list(params), "lr": lr, "betas": betas, "eps": eps}]
        self.state: dict[torch.nn.Parameter, dict[str, torch.Tensor]] = {}
        self._params = [p for p in self.param_groups[0]["params"] if p.requires_grad]
        first = self._params[0]
        total = sum(p.numel() for p in self._params)
        self._flat_param = torch.empty(total, dtype=first.dtype, device=first.device)
        self._flat_grad = torch.zeros_like(self._flat_param)
        self._exp_avg = torch.zeros_like(self._flat_param)
        self._exp_avg_sq = torch.zeros_like(self._flat_param)
        self._denom = torch.empty_like(self._flat_param)
        self._step = torch.zeros((), dtype=torch.float32)
        self._grad_views = []
        offset = 0
        with torch.no_grad():
            for param in self._params:
                size = param.numel()
                view = self._flat_param[offset:offset + size].view_as(param)
                view.copy_(param)
                param.data = view
                grad_view = self._flat_grad[offset:offset + size].view_as(param)
                param.grad = grad_view
                self._grad_views.append(grad_view)
                self.state[param] = {"step": self._step,
                                     "exp_avg": self._exp_avg[offset:offset + size].view_as(param),
                                     "exp_avg_sq": self._exp_avg_sq[offset:offset + size].view_as(param)}
                offset += size

    @property
    def flat_grad(self) -> torch.Tensor:
        """The gradients of all parameters, as one vector (valid after ``backward``)."""
        return self._flat_grad

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Zero the flat gradient (gradients stay allocated, so backward accumulates into the flat buffer)."""
        if self._params[0].grad is not self._grad_views[0]:
            # Someone else (e.g. another optimizer over the same parameters) replaced the gradients.
            for param, view in zip(self._params, self._grad_views):
                param.grad = view
        self._flat_grad.zero_()

    @torch.no_grad()
    def step(self, closure=None):
        """One Adam step on the flat buffers."""
        loss = closure() if closure is not None else None
        group = self.param_groups[0]
        beta1, beta2 = group["betas"]
        self._step.add_(1.0)
        step = self._step.item()
        bias_correction1 = 1.0 - beta1**step
        bias_correction2_sqrt = math.sqrt(1.0 - beta2**step)
        grad, denom = self._flat_grad, self._denom
        self._exp_avg.lerp_(grad, 1.0 - beta1)
        self._exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
        torch.sqrt(self._exp_avg_sq, out=denom)
        denom.div_(bias_correction2_sqrt).add_(group["eps"])
        step_size = group["lr"] / bias_correction1
        if abs(step_size) < 1e30:
            self._flat_param.addcdiv_(self._exp_avg, denom, value=-step_size)
        else:  # absurd learning rates: overflow to inf like torch's Adam instead of raising
            self._flat_param.add_(torch.div(self._exp_avg, denom).mul_(-step_size))
        return loss

    def state_dict(self) -> dict:
        """:return: (dict) the optimizer state (copies), keyed by parameter index as torch does"""
        return {"state": {idx: {key: value.clone() for key, value in self.state[param].items()}
                          for idx, param in enumerate(self._params)},
                "param_groups": [{key: value for key, value in self.param_groups[0].items() if key != "params"}]}

    def load_state_dict(self, state_dict: dict) -> None:
        """
        :param state_dict: (dict) what ``state_dict`` returned (values are copied into the flat buffers)
        """
        with torch.no_grad():
            for idx, param in enumerate(self._params):
                for key, value in state_dict["state"].get(idx, {}).items():
                    self.state[param][key].copy_(value)
        self.param_groups[0].update(state_dict["param_groups"][0])
