"""SB2's recurrent policies: ``LstmPolicy`` and its Mlp / Cnn / layer-norm variants.

The LSTM weights are kept in SB2's own layout (``wx`` [in, 4n], ``wh`` [n, 4n], ``b`` [4n], gate blocks in SB2's
order i, f, o, u) and the cell is computed with them directly, so SB2 files load without any gate reordering
and every parameter is a "plain" one in ``sb2_parameters``.  Done masks reset the state inside a sequence, so
the cell is looped over time (the input projection ``x @ wx`` is done for all steps at once).

The recurrent state of one env is SB2's ``concat(cell, hidden)`` of size ``2 * n_lstm``.  As in SB2, a policy
acts on exactly ``n_env`` observations at a time (the number of envs the model was built with).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from sb_ppo2.common.distributions import ProbabilityDistribution
from sb_ppo2.common.policies import ActorCriticPolicy, SB2Param, mlp_towers, processed_obs_size
from sb_ppo2.common.torch_layers import dense_sb2_params, get_activation, linear, nature_cnn, tower_sizes

__all__ = [
    "SB2LSTM",
    "CnnLnLstmPolicy",
    "CnnLstmPolicy",
    "LstmPolicy",
    "MlpLnLstmPolicy",
    "MlpLstmPolicy",
    "RecurrentActorCriticPolicy",
]

_LN_EPS = 1e-5  # SB2's _ln epsilon


def _ortho_(tensor: torch.Tensor, gain: float) -> torch.Tensor:
    """SB2's ``ortho_init`` on a 2-D [in, out] variable (semi-orthogonal, scaled by ``gain``)."""
    with torch.no_grad():
        return nn.init.orthogonal_(tensor, gain=gain)


class SB2LSTM(nn.Module):
    """
    SB2's ``lstm`` cell (``stable_baselines.common.tf_layers.lstm``), weights in SB2's layout.

    Per step: ``c, h *= (1 - mask)``; ``z = x wx + h wh + b`` (LN variant:
    ``LN(x wx) gx + bx + LN(h wh) gh + bh + b``, LN over the whole 4n vector); blocks ``i, f, o, u``;
    ``c = sig(f) c + sig(i) tanh(u)``; ``h = sig(o) tanh(c)`` (LN variant: ``tanh(LN(c) gc + bc)``).

    :param n_input: (int) input size
    :param n_hidden: (int) number of LSTM units n
    :param layer_norm: (bool) SB2's layer-normalised variant
    :param init_scale: (float) orthogonal gain of ``wx`` and ``wh`` (SB2: 1.0)
    """

    def __init__(self, n_input: int, n_hidden: int, layer_norm: bool = False, init_scale: float = 1.0):
        super().__init__()
        self.n_hidden = n_hidden
        self.layer_norm = layer_norm
        self.wx = nn.Parameter(_ortho_(torch.empty(n_input, 4 * n_hidden), init_scale))
        self.wh = nn.Parameter(_ortho_(torch.empty(n_hidden, 4 * n_hidden), init_scale))
        self.b = nn.Parameter(torch.zeros(4 * n_hidden))
        if layer_norm:
            self.gx = nn.Parameter(torch.ones(4 * n_hidden))
            self.bx = nn.Parameter(torch.zeros(4 * n_hidden))
            self.gh = nn.Parameter(torch.ones(4 * n_hidden))
            self.bh = nn.Parameter(torch.zeros(4 * n_hidden))
            self.gc = nn.Parameter(torch.ones(n_hidden))
            self.bc = nn.Parameter(torch.zeros(n_hidden))

    def sb2_parameters(self, scope: str = "model/lstm1") -> list[SB2Param]:
        """:return: ([SB2Param]) the cell's variables in SB2's creation order (all in SB2's layout)"""
        names = ["wx", "wh", "b"] + (["gx", "bx", "gh", "bh", "gc", "bc"] if self.layer_norm else [])
        return [SB2Param(f"{scope}/{name}:0", getattr(self, name), "plain") for name in names]

    def _ln(self, x: torch.Tensor, gain: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        # SB2's _ln: moments over the feature axis (population variance), eps 1e-5 -- exactly F.layer_norm.
        return nn.functional.layer_norm(x, (x.shape[-1],), gain, bias, _LN_EPS)

    def forward(self, x_seq: torch.Tensor, masks: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """
        Run the cell over a batch of sequences.

        :param x_seq: (torch.Tensor) inputs, time-major (n_steps, n_seq, n_input)
        :param masks: (torch.Tensor) float done flags preceding each step, (n_steps, n_seq); 1 resets the state
        :param state: (torch.Tensor) ``concat(c, h)`` at the start, (n_seq, 2n)
        :return: ((torch.Tensor, torch.Tensor)) outputs h (n_steps, n_seq, n) and the final ``concat(c, h)``
        """
        n = self.n_hidden
        # The input projection does not depend on the state: one matmul for every step.
        x_proj = x_seq @ self.wx
        if self.layer_norm:
            x_proj = self._ln(x_proj, self.gx, self.bx)
        keep = (1.0 - masks).unsqueeze(-1)
        cell, hidden = state[:, :n], state[:, n:]
        outputs = []
        for t in range(x_seq.shape[0]):
            cell, hidden = cell * keep[t], hidden * keep[t]
            h_proj = hidden @ self.wh
            if self.layer_norm:
                h_proj = self._ln(h_proj, self.gh, self.bh)
            gates = x_proj[t] + h_proj + self.b
            in_gate, forget_gate, out_gate, candidate = gates.chunk(4, dim=-1)  # SB2's order: i, f, o, u
            cell = torch.sigmoid(forget_gate) * cell + torch.sigmoid(in_gate) * torch.tanh(candidate)
            cell_out = self._ln(cell, self.gc, self.bc) if self.layer_norm else cell
            hidden = torch.sigmoid(out_gate) * torch.tanh(cell_out)
            outputs.append(hidden)
        return torch.stack(outputs), torch.cat([cell, hidden], dim=-1)


class RecurrentActorCriticPolicy(ActorCriticPolicy):
    """
    Actor-critic policy object with a recurrent state (SB2's base of the LSTM policies).

    Subclasses implement ``evaluate_sequences``; the numpy-facing ``step`` / ``proba_step`` / ``value`` take
    SB2's ``(obs, state, mask)`` and act on exactly ``n_env`` observations.

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments (the acting batch size)
    :param n_steps: (int) steps per environment per rollout (unused: sequences take any length)
    :param n_batch: (int) batch size (unused)
    :param state_shape: (tuple) shape of one env's recurrent state
    :param reuse: (bool) ignored
    :param scale: (bool) scale Box observations by their bounds
    """

    recurrent = True

    def __init__(self, sess, ob_space, ac_space, n_env, n_steps, n_batch, state_shape, reuse=False, scale=False):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, reuse=reuse, scale=scale)
        self.state_shape = tuple(state_shape)

    @property
    def initial_state(self) -> np.ndarray:
        """:return: (np.ndarray) float32 zeros of shape ``(n_env,) + state_shape``"""
        return np.zeros((self.n_env, *self.state_shape), dtype=np.float32)

    def evaluate_sequences(self, obs: torch.Tensor, states: torch.Tensor, masks: torch.Tensor
                           ) -> tuple[ProbabilityDistribution, torch.Tensor, torch.Tensor]:
        """
        Evaluate a batch of sequences (the training update's call; one step of ``n_env`` sequences when acting).

        :param obs: (torch.Tensor) raw observations, env-major: row ``seq * n_steps + t``
        :param states: (torch.Tensor) the state at the start of each sequence, (n_seq,) + state_shape
        :param masks: (torch.Tensor) done flags preceding each observation (bool or float), same rows as ``obs``
        :return: ((ProbabilityDistribution, torch.Tensor, torch.Tensor)) distributions and values of every row,
            and the state after each sequence's last step
        """
        raise NotImplementedError

    def forward(self, obs: torch.Tensor, state: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> tuple[ProbabilityDistribution, torch.Tensor]:
        """
        One step for a batch of envs (state None: zeros, i.e. each observation starts an episode).

        :return: ((ProbabilityDistribution, torch.Tensor)) the action distribution and the values (batch,)
        """
        if state is None:
            state = torch.zeros((obs.shape[0], *self.state_shape), device=self.vf.weight.device)
        if mask is None:
            mask = torch.zeros(obs.shape[0], device=self.vf.weight.device)
        dist, values, _ = self.evaluate_sequences(obs, state, mask)
        return dist, values

    def extract_latent(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError("a recurrent policy has no state-free latent: use evaluate_sequences(obs, states, "
                                  "masks) or forward(obs, state, mask)")

    def value_only(self, obs: torch.Tensor) -> torch.Tensor:
        return self(obs)[1]

    # --- numpy-facing calls with SB2's signatures -------------------------------------------------------------
    def check_inputs(self, n_obs: int, state, mask) -> tuple[np.ndarray, np.ndarray]:
        """
        Check a batch against SB2's fixed acting batch (``n_env`` rows), filling in the defaults.

        :param n_obs: (int) number of observations in the batch
        :param state: (np.ndarray or None) the states (None: ``initial_state``)
        :param mask: (array-like or None) the done flags (None: no reset)
        :return: ((np.ndarray, np.ndarray)) float32 state ``(n_env,) + state_shape`` and float32 mask ``(n_env,)``
        :raises ValueError: when a shape does not fit
        """
        n_env = self.n_env
        if n_obs != n_env:
            raise ValueError(
                f"This recurrent policy acts on exactly n_envs={n_env} observations at a time (as in SB2), got "
                f"{n_obs}. To act for fewer envs, pad the batch with zeros to shape ({n_env},) + obs_shape and use "
                "row 0 (this is what evaluate_policy does); or train the model with the number of envs you need.")
        state = self.initial_state if state is None else np.asarray(state, dtype=np.float32)
        if state.shape != (n_env, *self.state_shape):
            raise ValueError(f"Recurrent state of shape {state.shape}, expected {(n_env, *self.state_shape)} "
                             "(one concat(cell, hidden) row per env): pass the state returned by the previous call, "
                             "or None for model.initial_state")
        mask = np.zeros(n_env, dtype=np.float32) if mask is None else np.asarray(mask, dtype=np.float32).reshape(-1)
        if mask.shape != (n_env,):
            raise ValueError(f"mask of shape {mask.shape}, expected ({n_env},): one done flag per env (the `done` "
                             "returned by the previous env.step)")
        return state, mask

    def _torch_inputs(self, obs, state, mask) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        obs = np.asarray(obs)
        state, mask = self.check_inputs(obs.shape[0], state, mask)
        device = self.vf.weight.device
        return self._as_tensor(obs), torch.as_tensor(state, device=device), torch.as_tensor(mask, device=device)

    def step(self, obs, state=None, mask=None, deterministic: bool = False):
        """
        Act on one step of the ``n_env`` envs.

        :param obs: (np.ndarray) observation batch (n_env, *obs_shape)
        :param state: (np.ndarray) the states (n_env,) + state_shape (None: initial state)
        :param mask: (np.ndarray) done flags of the previous step (n_env,); True resets that env's state first
        :param deterministic: (bool) take the most likely action instead of sampling
        :return: (tuple) ``(actions, values, next_states, neglogp)`` as numpy arrays
        """
        obs_t, state_t, mask_t = self._torch_inputs(obs, state, mask)
        with torch.inference_mode():
            dist, values, new_state = self.evaluate_sequences(obs_t, state_t, mask_t)
            actions = dist.mode() if deterministic else dist.sample()
            neglogp = dist.neglogp(actions)
        return actions.cpu().numpy(), values.cpu().numpy(), new_state.cpu().numpy(), neglogp.cpu().numpy()

    def proba_step(self, obs, state=None, mask=None):
        """
        :param obs: (np.ndarray) observation batch (n_env, *obs_shape)
        :param state: (np.ndarray) the states
        :param mask: (np.ndarray) done flags of the previous step
        :return: the distribution parameters (see ``action_probability``) as numpy arrays
        """
        obs_t, state_t, mask_t = self._torch_inputs(obs, state, mask)
        with torch.inference_mode():
            proba = self.evaluate_sequences(obs_t, state_t, mask_t)[0].proba()
        if isinstance(proba, list):
            return [p.cpu().numpy() for p in proba]
        return proba.cpu().numpy()

    def value(self, obs, state=None, mask=None) -> np.ndarray:
        """
        :param obs: (np.ndarray) observation batch (n_env, *obs_shape)
        :param state: (np.ndarray) the states
        :param mask: (np.ndarray) done flags of the previous step
        :return: (np.ndarray) the value of each observation (n_env,)
        """
        obs_t, state_t, mask_t = self._torch_inputs(obs, state, mask)
        with torch.inference_mode():
            return self.evaluate_sequences(obs_t, state_t, mask_t)[1].cpu().numpy()


def _parse_lstm_net_arch(net_arch) -> tuple[list[tuple[int, int | str]], list[int], list[int]]:
    """
    SB2's ``net_arch`` grammar for LSTM policies: shared ints and exactly one ``'lstm'``, then a pi/vf dict.

    :return: (tuple) ``(shared, pi_layers, vf_layers)``; ``shared`` lists ``(index, width or 'lstm')``
    """
    shared: list[tuple[int, int | str]] = []
    pi_layers: list = []
    vf_layers: list = []
    has_lstm = False
    for idx, layer in enumerate(net_arch):
        if isinstance(layer, int) and not isinstance(layer, bool):
            shared.append((idx, layer))
        elif isinstance(layer, str) and layer == "lstm":
            if has_lstm:
                raise ValueError("The net_arch parameter must only contain one occurrence of 'lstm'!")
            shared.append((idx, "lstm"))
            has_lstm = True
        else:
            assert isinstance(layer, dict), "Error: the net_arch list can only contain ints and dicts"
            pi_layers, vf_layers = tower_sizes(layer)
            break
    for tower, sizes in (("policy", pi_layers), ("value function", vf_layers)):
        for size in sizes:
            if isinstance(size, str) and size == "lstm":
                raise NotImplementedError(f"LSTMs are only supported in the shared part of the {tower} network.")
            assert isinstance(size, int) and not isinstance(size, bool), \
                "Error: net_arch[-1]['pi'/'vf'] must only contain integers."
    if not has_lstm:
        raise ValueError("The net_arch parameter must contain at least one occurrence of 'lstm'!")
    return shared, pi_layers, vf_layers


class LstmPolicy(RecurrentActorCriticPolicy):
    """
    Policy object that implements actor critic, using LSTMs.

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments (the acting batch size)
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param n_lstm: (int) number of LSTM units
    :param reuse: (bool) ignored
    :param layers: ([int]) (deprecated, use net_arch) MLP feature extractor before the LSTM (default [64, 64],
        named ``pi_fc{i}`` as in SB2)
    :param net_arch: (list) shared ints with exactly one ``'lstm'``, optionally ending with
        ``dict(pi=[...], vf=[...])``, e.g. ``[64, 'lstm', dict(pi=[32], vf=[32])]`` (MLP feature extraction only)
    :param act_fun: (callable or str) activation of the MLP layers (default tanh)
    :param cnn_extractor: (callable) ``f(observation_shape, **kwargs) -> nn.Module`` (default Nature CNN)
    :param layer_norm: (bool) use SB2's layer-normalised LSTM
    :param feature_extraction: (str) ``"cnn"`` or ``"mlp"``
    :param kwargs: (dict) extra arguments for the CNN extractor
    """

    recurrent = True

    def __init__(self, sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm=256, reuse=False, layers=None,
                 net_arch=None, act_fun=torch.tanh, cnn_extractor=nature_cnn, layer_norm=False,
                 feature_extraction="cnn", **kwargs):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, state_shape=(2 * n_lstm,), reuse=reuse,
                         scale=(feature_extraction == "cnn"))
        self._kwargs_check(feature_extraction, kwargs)
        self.n_lstm = n_lstm
        self.layer_norm = layer_norm
        self.feature_extraction = feature_extraction
        self.act = get_activation(act_fun)
        self.cnn = None
        # Layers before the LSTM, after it (shared) and the pi / vf towers, each list of (SB2 name, nn.Linear).
        self.pre_net, self.post_net = nn.ModuleList(), nn.ModuleList()
        self.policy_net, self.value_net = nn.ModuleList(), nn.ModuleList()
        self._pre_names: list[str] = []
        self._post_names: list[str] = []
        if net_arch is None:
            self._build_legacy(layers, cnn_extractor, kwargs)
            latent_pi = latent_vf = n_lstm
        else:
            if layers is not None:
                warnings.warn("The new net_arch parameter overrides the deprecated layers parameter.",
                              DeprecationWarning)
            if feature_extraction == "cnn":
                raise NotImplementedError("net_arch is only supported with feature_extraction='mlp' for LSTM "
                                          "policies (as in SB2)")
            latent_pi, latent_vf = self._build_net_arch(net_arch)
        self.net_arch = net_arch
        # SB2's LSTM heads use gain 1.0 for pi and q (proba_distribution_from_latent's default).
        self._setup_heads(latent_pi, latent_vf, head_gain=1.0)

    # --- construction ---------------------------------------------------------------------------------------
    def _build_legacy(self, layers, cnn_extractor, kwargs: dict) -> None:
        """SB2's legacy mode: CNN or ``pi_fc{i}`` MLP features, then ``lstm1``, heads on the LSTM output."""
        if layers is None:
            layers = [64, 64]
        else:
            warnings.warn("The layers parameter is deprecated. Use the net_arch parameter instead.",
                          DeprecationWarning)
        if self.feature_extraction == "cnn":
            if not (isinstance(self.ob_space, spaces.Box) and len(self.ob_space.shape) == 3):
                raise ValueError("CnnLstmPolicy needs image observations: a Box of shape (height, width, channels), "
                                 f"got {self.ob_space}")
            self.cnn = cnn_extractor(tuple(self.ob_space.shape), **kwargs)
            width = int(self.cnn.latent_dim)
        else:
            width = processed_obs_size(self.ob_space)
            for idx, size in enumerate(layers):
                self.pre_net.append(linear(width, size, gain=math.sqrt(2)))
                self._pre_names.append(f"pi_fc{idx}")
                width = size
        self.lstm = SB2LSTM(width, self.n_lstm, layer_norm=self.layer_norm)

    def _build_net_arch(self, net_arch) -> tuple[int, int]:
        """SB2's net_arch mode: ``shared_fc{k}`` around ``lstm1``, then ``pi_fc*`` and ``vf_fc*`` towers."""
        shared, pi_sizes, vf_sizes = _parse_lstm_net_arch(net_arch)
        width = processed_obs_size(self.ob_space)
        after_lstm = False
        for idx, layer in shared:
            if layer == "lstm":
                self.lstm = SB2LSTM(width, self.n_lstm, layer_norm=self.layer_norm)
                width, after_lstm = self.n_lstm, True
                continue
            (self.post_net if after_lstm else self.pre_net).append(linear(width, layer, gain=math.sqrt(2)))
            (self._post_names if after_lstm else self._pre_names).append(f"shared_fc{idx}")
            width = layer
        latents = []
        for tower, sizes in ((self.policy_net, pi_sizes), (self.value_net, vf_sizes)):
            tower_width = width
            for size in sizes:
                tower.append(linear(tower_width, size, gain=math.sqrt(2)))
                tower_width = size
            latents.append(tower_width)
        return latents[0], latents[1]

    # --- forward --------------------------------------------------------------------------------------------
    def _features(self, obs: torch.Tensor) -> torch.Tensor:
        """The flat input of the LSTM for a batch of raw observations."""
        features = self.preprocess(obs)
        if self.cnn is not None:
            return self.cnn(features)
        latent = features.reshape(features.shape[0], -1)
        for layer in self.pre_net:
            latent = self.act(layer(latent))
        return latent

    def _towers(self, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The layers after the LSTM: shared ones, then the pi and vf towers."""
        return mlp_towers(latent, self.act, self.post_net, self.policy_net, self.value_net)

    def evaluate_sequences(self, obs: torch.Tensor, states: torch.Tensor, masks: torch.Tensor
                           ) -> tuple[ProbabilityDistribution, torch.Tensor, torch.Tensor]:
        n_seq = states.shape[0]
        features = self._features(obs)
        n_steps = features.shape[0] // n_seq
        # Env-major rows (seq * n_steps + t) -> time-major (t, seq) for the cell, as SB2's batch_to_seq.
        x_seq = features.reshape(n_seq, n_steps, -1).transpose(0, 1)
        mask_seq = masks.to(features.dtype).reshape(n_seq, n_steps).transpose(0, 1)
        outputs, new_states = self.lstm(x_seq, mask_seq, states.to(features.dtype))
        latent = outputs.transpose(0, 1).reshape(n_seq * n_steps, self.n_lstm)
        latent_pi, latent_vf = self._towers(latent)
        return self.distribution(latent_pi), self.vf(latent_vf)[:, 0], new_states

    # --- SB2 parameter names --------------------------------------------------------------------------------
    def sb2_parameters(self) -> list[SB2Param]:
        params: list[SB2Param] = self.cnn.sb2_parameters() if self.cnn is not None else []
        params += dense_sb2_params(self._pre_names, self.pre_net)
        params += self.lstm.sb2_parameters()
        params += dense_sb2_params(self._post_names, self.post_net)
        # net_arch mode: all pi_fc*, then all vf_fc* (not interleaved, unlike the feed-forward policies).
        params += dense_sb2_params([f"pi_fc{i}" for i in range(len(self.policy_net))], self.policy_net)
        params += dense_sb2_params([f"vf_fc{i}" for i in range(len(self.value_net))], self.value_net)
        return params + self._head_sb2_params()


class CnnLstmPolicy(LstmPolicy):
    """
    Policy object that implements actor critic, using LSTMs with a CNN feature extraction.

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param n_lstm: (int) number of LSTM units
    :param reuse: (bool) ignored
    :param _kwargs: (dict) extra keyword arguments for the network
    """

    def __init__(self, sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm=256, reuse=False, **_kwargs):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm, reuse,
                         layer_norm=False, feature_extraction="cnn", **_kwargs)


class CnnLnLstmPolicy(LstmPolicy):
    """
    Policy object that implements actor critic, using a layer-normalised LSTM with a CNN feature extraction.

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param n_lstm: (int) number of LSTM units
    :param reuse: (bool) ignored
    :param _kwargs: (dict) extra keyword arguments for the network
    """

    def __init__(self, sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm=256, reuse=False, **_kwargs):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm, reuse,
                         layer_norm=True, feature_extraction="cnn", **_kwargs)


class MlpLstmPolicy(LstmPolicy):
    """
    Policy object that implements actor critic, using LSTMs with a MLP feature extraction.

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param n_lstm: (int) number of LSTM units
    :param reuse: (bool) ignored
    :param _kwargs: (dict) extra keyword arguments for the network (``layers``, ``net_arch``, ``act_fun``)
    """

    def __init__(self, sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm=256, reuse=False, **_kwargs):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm, reuse,
                         layer_norm=False, feature_extraction="mlp", **_kwargs)


class MlpLnLstmPolicy(LstmPolicy):
    """
    Policy object that implements actor critic, using a layer-normalised LSTM with a MLP feature extraction.

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param n_lstm: (int) number of LSTM units
    :param reuse: (bool) ignored
    :param _kwargs: (dict) extra keyword arguments for the network (``layers``, ``net_arch``, ``act_fun``)
    """

    def __init__(self, sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm=256, reuse=False, **_kwargs):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, n_lstm, reuse,
                         layer_norm=True, feature_extraction="mlp", **_kwargs)
