"""PPO2: Proximal Policy Optimization (GPU-friendly version of OpenAI Baselines' PPO), as Stable-Baselines 2 had it.

One update reads top to bottom in ``learn``: schedules from ``frac`` -> ``Runner.run`` (rollout + GAE) ->
``_update`` (epochs of shuffled minibatches, each a ``ppo2_loss`` and an Adam step) -> logging.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from sb_ppo2 import logger
from sb_ppo2.common.base_class import ActorCriticRLModel, SetVerbosity, TensorboardWriter
from sb_ppo2.common.math_util import explained_variance, safe_mean
from sb_ppo2.common.policies import ActorCriticPolicy, policy_name_of
from sb_ppo2.common.save_util import read_extra_members
from sb_ppo2.common.schedules import constfn, get_schedule_fn
from sb_ppo2.ppo2.flat_adam import FlatAdam
from sb_ppo2.ppo2.hyperparams import check_ppo2_hyperparameters, resolve_device
from sb_ppo2.ppo2.loss import normalize_advantages, ppo2_loss
from sb_ppo2.ppo2.resume import restore_training_state, training_state_members
from sb_ppo2.ppo2.rollout import Runner, swap_and_flatten
from sb_ppo2.ppo2.safeguards import UpdateSnapshot, check_losses_finite, check_rollout_finite

__all__ = ["PPO2", "Runner", "constfn", "explained_variance", "get_schedule_fn", "logger", "safe_mean",
           "swap_and_flatten", "total_episode_reward_logger"]

# Keys of SB2's saved data dict, in SB2's order.
_SAVED_KEYS = ("gamma", "n_steps", "vf_coef", "ent_coef", "max_grad_norm", "learning_rate", "lam", "nminibatches",
               "noptepochs", "cliprange", "cliprange_vf", "verbose", "policy", "observation_space", "action_space",
               "n_envs", "n_cpu_tf_sess", "seed", "_vectorize_action", "policy_kwargs")
# Keys that older SB2 versions did not write, with the value SB2 assumed.
_DEFAULTS_FOR_OLD_FILES = {"policy_kwargs": {}, "cliprange_vf": None, "n_cpu_tf_sess": None, "seed": None,
                           "_vectorize_action": False}


class PPO2(ActorCriticRLModel):
    """
    Proximal Policy Optimization algorithm (GPU version).  Paper: https://arxiv.org/abs/1707.06347

    :param policy: (ActorCriticPolicy or str) the policy class or its name (MlpPolicy, CnnPolicy, ...)
    :param env: (gymnasium env, VecEnv or str) the environment to learn from (an id string creates it)
    :param gamma: (float) discount factor
    :param n_steps: (int) steps per environment per update (batch size is n_steps * n_env)
    :param ent_coef: (float) entropy coefficient of the loss
    :param learning_rate: (float or callable) learning rate; a callable gets the remaining progress (1 -> 0)
    :param vf_coef: (float) value-function coefficient of the loss
    :param max_grad_norm: (float) maximum global norm of the gradient (None: no clipping)
    :param lam: (float) GAE lambda (bias vs variance of the advantage estimate)
    :param nminibatches: (int) number of minibatches per epoch (must divide n_steps * n_envs)
    :param noptepochs: (int) number of epochs per update
    :param cliprange: (float or callable) clipping range of the probability ratio
    :param cliprange_vf: (float or callable) clipping range of the value function: None (default) clips with
        ``cliprange`` (SB2's legacy behaviour), a negative number turns value clipping off, a positive float or
        callable clips at that value
    :param verbose: (int) 0 none, 1 training information, 2 debug
    :param tensorboard_log: (str) TensorBoard log folder (None: no logging)
    :param _init_setup_model: (bool) build the network now
    :param policy_kwargs: (dict) extra arguments for the policy
    :param full_tensorboard_log: (bool) accepted for compatibility (histograms are not written)
    :param seed: (int) seed for python, numpy, torch and the env (None: no seeding)
    :param n_cpu_tf_sess: (int) torch CPU threads while training (None: 1 for MLP policies, torch's default
        for CNNs)
    :param device: (str) extension beyond SB2: "auto" (CUDA for CNN policies when available, else CPU), "cpu",
        "cuda" or "cuda:N"
    """

    def __init__(self, policy, env, gamma=0.99, n_steps=128, ent_coef=0.01, learning_rate=2.5e-4, vf_coef=0.5,
                 max_grad_norm=0.5, lam=0.95, nminibatches=4, noptepochs=4, cliprange=0.2, cliprange_vf=None,
                 verbose=0, tensorboard_log=None, _init_setup_model=True, policy_kwargs=None,
                 full_tensorboard_log=False, seed=None, n_cpu_tf_sess=None, device="auto"):
        self.learning_rate = learning_rate
        self.cliprange = cliprange
        self.cliprange_vf = cliprange_vf
        self.n_steps = n_steps
        self.ent_coef = ent_coef
        self.vf_coef = vf_coef
        self.max_grad_norm = max_grad_norm
        self.gamma = gamma
        self.lam = lam
        self.nminibatches = nminibatches
        self.noptepochs = noptepochs
        self.tensorboard_log = tensorboard_log
        self.full_tensorboard_log = full_tensorboard_log
        self.device = device
        self.n_batch = None
        self.optimizer: torch.optim.Optimizer | None = None
        self._runner: Runner | None = None
        self.loss_names = ["policy_loss", "value_loss", "policy_entropy", "approxkl", "clipfrac"]
        super().__init__(policy=policy, env=env, verbose=verbose, policy_base=ActorCriticPolicy,
                         requires_vec_env=True, _init_setup_model=_init_setup_model, policy_kwargs=policy_kwargs,
                         seed=seed, n_cpu_tf_sess=n_cpu_tf_sess)
        if _init_setup_model:
            self.setup_model()

    # --- construction ---------------------------------------------------------------------------------------
    def setup_model(self) -> None:
        """Check the settings, seed, build the policy network and the Adam optimizer."""
        assert isinstance(self.policy, type) and issubclass(self.policy, ActorCriticPolicy), (
            "Error: the input policy for the PPO2 model must be an instance of common.policies.ActorCriticPolicy "
            f"(got {policy_name_of(self.policy)}).")
        check_ppo2_hyperparameters(self)
        if self.observation_space is None or self.action_space is None:
            raise ValueError("PPO2 needs an env (or, when loading, the stored spaces) to build its policy")
        self.n_batch = self.n_envs * self.n_steps
        self.set_random_seed(self.seed)
        if self.policy.recurrent:
            assert self.n_envs % self.nminibatches == 0, (
                "For recurrent policies, the number of environments run in parallel should be a multiple of "
                f"nminibatches (n_envs={self.n_envs}, nminibatches={self.nminibatches}).")
        policy = self.policy(None, self.observation_space, self.action_space, self.n_envs, 1, self.n_envs,
                             reuse=False, **self.policy_kwargs)
        self._torch_device = resolve_device(self.device, policy)
        self._small_network = getattr(policy, "cnn", None) is None
        policy.to(self._torch_device)
        # Adam with SB2's epsilon, over one flat buffer (a handful of kernels per step whatever the network).
        # FlatAdam moves the parameters into that buffer: create it before anything keeps views of them.
        self.optimizer = FlatAdam(policy.parameters(), lr=1e-4, eps=1e-5)
        self._bind_policy(policy)
        if self.cliprange_vf is None:
            # SB2's legacy behaviour: the value function is clipped with the policy's range.
            self.cliprange_vf = self.cliprange
        self._runner = None

    @property
    def runner(self) -> Runner:
        """The rollout collector, created (and the env reset) on first use."""
        if self._runner is None:
            self._runner = self._make_runner()
        return self._runner

    def _make_runner(self) -> Runner:
        return Runner(env=self.env, model=self, n_steps=self.n_steps, gamma=self.gamma, lam=self.lam)

    # --- training -------------------------------------------------------------------------------------------
    def learn(self, total_timesteps: int, callback=None, log_interval: int = 1, tb_log_name: str = "PPO2",
              reset_num_timesteps: bool = True, progress_bar: bool = False, seed: int | None = None):
        """
        Train for ``total_timesteps // n_batch`` updates.

        :param total_timesteps: (int) number of env steps to collect (rounded down to whole updates)
        :param callback: (BaseCallback, list or callable) called at every step; a function ``f(locals, globals)``
            returning False stops training
        :param log_interval: (int) updates between two log tables (verbose=1)
        :param tb_log_name: (str) name of the TensorBoard run
        :param reset_num_timesteps: (bool) restart the timestep count (False: continue it, and the TB run)
        :param progress_bar: (bool) extension beyond SB2: show steps done, sps and ETA on stderr
        :param seed: (int) deprecated (SB2 <= 2.8 took the seed here): seeds everything before training
        :return: (PPO2) self
        """
        if seed is not None:
            warnings.warn("learn(seed=...) is deprecated since SB2 2.9: pass seed to the constructor",
                          DeprecationWarning)
            self.set_random_seed(seed)
        self.learning_rate = get_schedule_fn(_plain_number(self.learning_rate))
        self.cliprange = get_schedule_fn(_plain_number(self.cliprange))
        cliprange_vf = get_schedule_fn(_plain_number(self.cliprange_vf))
        new_tb_log = self._init_num_timesteps(reset_num_timesteps)
        callback = self._init_callback(_with_progress_bar(callback, progress_bar, total_timesteps))
        with SetVerbosity(self.verbose), self._torch_threads(), \
                TensorboardWriter(self.graph, self.tensorboard_log, tb_log_name, new_tb_log) as writer:
            self._setup_learn()
            t_first_start = time.time()
            n_updates = total_timesteps // self.n_batch
            callback.on_training_start(locals(), globals())
            for update in range(1, n_updates + 1):
                if not self._run_one_update(update, n_updates, cliprange_vf, callback, writer, log_interval,
                                            t_first_start):
                    break
            callback.on_training_end()
        return self

    def _run_one_update(self, update: int, n_updates: int, cliprange_vf: Callable, callback, writer,
                        log_interval: int, t_first_start: float) -> bool:
        """Collect one rollout and optimise on it. :return: (bool) False when a callback stopped training."""
        assert self.n_batch % self.nminibatches == 0, (
            "The number of minibatches (`nminibatches`) is not a factor of the total number of samples collected "
            f"per rollout (`n_batch`), some samples won't be used. (n_batch={self.n_batch}, "
            f"nminibatches={self.nminibatches})")
        t_start = time.time()
        frac = 1.0 - (update - 1.0) / n_updates
        lr_now = self.learning_rate(frac)
        cliprange_now = self.cliprange(frac)
        cliprange_vf_now = cliprange_vf(frac)
        snapshot = UpdateSnapshot(self)
        try:  # on any failure (Ctrl-C, a dead env worker, NaN) go back to the last finished update
            callback.on_rollout_start()
            rollout = self.runner.run(callback)
            callback.on_rollout_end()
            if not self.runner.continue_training:
                return False
            obs, returns, masks, actions, values, neglogpacs, states, ep_infos, true_reward = rollout
            check_rollout_finite(obs, true_reward, self.n_envs, self.n_steps)
            t_rollout_end = time.time()
            loss_means = self._update(obs, returns, masks, actions, values, neglogpacs, states, lr_now,
                                      cliprange_now, cliprange_vf_now, update, writer)
            check_losses_finite(loss_means, self.loss_names)
        except BaseException:
            snapshot.restore(self)
            raise
        self.ep_info_buf.extend(ep_infos)
        t_now = time.time()
        self._last_timing = {"rollout_s": t_rollout_end - t_start, "update_s": t_now - t_rollout_end}
        if writer is not None:
            self._write_tensorboard(writer, returns, values, neglogpacs, masks, true_reward, loss_means, lr_now,
                                    cliprange_now, cliprange_vf_now)
        if self.verbose >= 1 and (update % log_interval == 0 or update == 1):
            self._log_update(update, t_start, t_now, t_first_start, values, returns, loss_means)
        return True

    def _update(self, obs, returns, masks, actions, values, neglogpacs, states, lr_now: float, cliprange_now: float,
                cliprange_vf_now: float, update: int, writer) -> list[float]:
        """
        ``noptepochs`` epochs of shuffled minibatches over one rollout.

        :return: ([float]) the mean of each of ``loss_names`` over all minibatches
        """
        device = self._torch_device
        batch = [torch.as_tensor(a, device=device) for a in (obs, returns, masks, actions, values, neglogpacs)]
        for group in self.optimizer.param_groups:
            group["lr"] = lr_now
        if self.train_model.recurrent:
            return self._update_recurrent(batch, states, lr_now, cliprange_now, cliprange_vf_now, update, writer)
        batch_size = self.n_batch // self.nminibatches
        stats = []
        for _ in range(self.noptepochs):
            # SB2 shuffled with numpy's global generator; keeping it keeps seeded runs comparable.
            inds = np.arange(self.n_batch)
            np.random.shuffle(inds)
            if batch_size == self.n_batch:
                # One minibatch holds the whole rollout: its order cannot change the mean losses.
                stats.append(self._train_step(lr_now, cliprange_now, *batch, update, writer,
                                              cliprange_vf=cliprange_vf_now))
                continue
            for start in range(0, self.n_batch, batch_size):
                mb_inds = torch.as_tensor(inds[start:start + batch_size], device=device)
                stats.append(self._train_step(lr_now, cliprange_now, *[t[mb_inds] for t in batch], update, writer,
                                              cliprange_vf=cliprange_vf_now))
        return torch.stack(stats).mean(0).tolist()  # one host sync per update

    def _update_recurrent(self, batch: list[torch.Tensor], states: np.ndarray, lr_now: float, cliprange_now: float,
                          cliprange_vf_now: float, update: int, writer) -> list[float]:
        """
        SB2's recurrent minibatching: each minibatch is ``n_envs // nminibatches`` whole env sequences.

        The LSTM is re-run over each env's ``n_steps`` rows from that env's state at the start of the rollout,
        with the stored done masks resetting it inside the sequence.

        :param batch: ([torch.Tensor]) obs, returns, masks, actions, values, neglogpacs (rows ``env * n_steps + t``)
        :param states: (np.ndarray) the recurrent states at the start of the rollout (n_envs, ...)
        :return: ([float]) the mean of each of ``loss_names`` over all minibatches
        """
        device = self._torch_device
        envs_per_batch = self.n_envs // self.nminibatches
        env_indices = np.arange(self.n_envs)
        flat_indices = np.arange(self.n_batch).reshape(self.n_envs, self.n_steps)
        states = torch.as_tensor(np.asarray(states, dtype=np.float32), device=device)
        stats = []
        for _ in range(self.noptepochs):
            np.random.shuffle(env_indices)  # SB2: numpy's global generator
            for start in range(0, self.n_envs, envs_per_batch):
                mb_env_inds = env_indices[start:start + envs_per_batch]
                mb_flat_inds = torch.as_tensor(flat_indices[mb_env_inds].ravel(), device=device)
                stats.append(self._train_step(lr_now, cliprange_now, *[t[mb_flat_inds] for t in batch], update,
                                              writer, states=states[torch.as_tensor(mb_env_inds, device=device)],
                                              cliprange_vf=cliprange_vf_now))
        return torch.stack(stats).mean(0).tolist()

    def _train_step(self, learning_rate, cliprange, obs, returns, masks, actions, values, neglogpacs, update, writer,
                    states=None, cliprange_vf=None) -> torch.Tensor:
        """
        One Adam step on one minibatch (SB2's signature; arrays are torch tensors here).

        :param states: (torch.Tensor) recurrent policies: the state at the start of each env sequence of the
            minibatch (its rows are those sequences, env-major); ``masks`` then reset it inside them
        :return: (torch.Tensor) ``[policy_loss, value_loss, policy_entropy, approxkl, clipfrac]``, not synced
        """
        if states is None:
            dist, values_pred = self.train_model(obs)
        else:
            dist, values_pred, _ = self.train_model.evaluate_sequences(obs, states, masks)
        neglogp = dist.neglogp(actions)
        advantages = normalize_advantages(returns - values)
        use_vf_clip = cliprange_vf is not None and cliprange_vf >= 0
        parts = ppo2_loss(neglogp, neglogpacs, advantages, returns, values_pred, values, dist.entropy(), cliprange,
                          cliprange_vf if use_vf_clip else None, self.ent_coef, self.vf_coef)
        self.optimizer.zero_grad(set_to_none=True)
        parts.loss.backward()
        if self.max_grad_norm is not None:
            _clip_by_global_norm(self.optimizer.flat_grad, self.max_grad_norm)
        self.optimizer.step()
        return torch.stack([parts.policy_loss, parts.value_loss, parts.policy_entropy, parts.approxkl,
                            parts.clipfrac]).detach()

    def _log_update(self, update, t_start, t_now, t_first_start, values, returns, loss_means) -> None:
        fps = int(self.n_batch / max(t_now - t_start, 1e-9))
        logger.logkv("serial_timesteps", update * self.n_steps)
        logger.logkv("n_updates", update)
        logger.logkv("total_timesteps", self.num_timesteps)
        logger.logkv("fps", fps)
        logger.logkv("explained_variance", float(explained_variance(values, returns)))
        if len(self.ep_info_buf) > 0 and len(self.ep_info_buf[0]) > 0:
            logger.logkv("ep_reward_mean", safe_mean([ep_info["r"] for ep_info in self.ep_info_buf]))
            logger.logkv("ep_len_mean", safe_mean([ep_info["l"] for ep_info in self.ep_info_buf]))
        logger.logkv("time_elapsed", t_start - t_first_start)
        for loss_val, loss_name in zip(loss_means, self.loss_names):
            logger.logkv(loss_name, loss_val)
        logger.dumpkvs()

    def _write_tensorboard(self, writer, returns, values, neglogpacs, masks, true_reward, loss_means, lr_now,
                           cliprange_now, cliprange_vf_now) -> None:
        step = self.num_timesteps
        policy_loss, value_loss, entropy, approxkl, clipfrac = loss_means
        scalars = {
            "loss/entropy_loss": entropy, "loss/policy_gradient_loss": policy_loss,
            "loss/value_function_loss": value_loss, "loss/approximate_kullback-leibler": approxkl,
            "loss/clip_factor": clipfrac,
            "loss/loss": policy_loss - entropy * self.ent_coef + value_loss * self.vf_coef,
            "input_info/discounted_rewards": float(np.mean(returns)), "input_info/learning_rate": lr_now,
            "input_info/advantage": float(np.mean(returns - values)), "input_info/clip_range": cliprange_now,
            "input_info/old_neglog_action_probability": float(np.mean(neglogpacs)),
            "input_info/old_value_pred": float(np.mean(values)),
        }
        if cliprange_vf_now is not None and cliprange_vf_now >= 0:
            scalars["input_info/clip_range_vf"] = cliprange_vf_now
        for tag, value in scalars.items():
            writer.add_scalar(tag, value, step)
        total_episode_reward_logger(self.episode_reward, true_reward.reshape((self.n_envs, self.n_steps)),
                                    masks.reshape((self.n_envs, self.n_steps)), writer,
                                    self.num_timesteps - self.n_batch)

    # --- files ----------------------------------------------------------------------------------------------
    def save(self, save_path, cloudpickle: bool = False) -> None:
        """
        Save the model in SB2's format (zip with ``data``, ``parameters``, ``parameter_list``), atomically.

        :param save_path: (str or file) where to save (``.zip`` is appended to a path without extension)
        :param cloudpickle: (bool) write SB2's legacy cloudpickle format instead (``.pkl``)
        """
        data = {key: getattr(self, key) for key in _SAVED_KEYS}
        self._save_to_file(save_path, data=data, params=self.get_parameters(), cloudpickle=cloudpickle,
                           extra_members=training_state_members(self))

    @classmethod
    def load(cls, load_path, env=None, custom_objects=None, **kwargs) -> PPO2:
        """
        Load a model saved by sb_ppo2 or by Stable-Baselines 2 (zip, or legacy ``.pkl``), without running code
        from the file.

        :param load_path: (str or file) the saved model (``.zip`` is tried when the path does not exist)
        :param env: (VecEnv) the env to attach (same spaces); None for a prediction-only model
        :param custom_objects: (dict) replacements for stored objects, used instead of decoding them
        :param kwargs: (dict) attributes to override (``policy``, ``learning_rate``, ``n_steps``, ``verbose``,
            ``tensorboard_log``, ...)
        :return: (PPO2) a new model
        """
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise ValueError("custom_objects argument must be a dict or None")
        # Overridden attributes are never decoded from the file (so a custom policy class given as
        # `policy=` works even when the stored one cannot be rebuilt).
        overrides = {key: value for key, value in kwargs.items() if key != "policy_kwargs"}
        overrides.update(custom_objects or {})
        data, params = cls._load_from_file(load_path, custom_objects=overrides)
        if data is None or params is None:
            raise ValueError(f"{load_path}: the model file lacks its data or its parameters")
        for key, default in _DEFAULTS_FOR_OLD_FILES.items():
            data.setdefault(key, default)
        if "policy_kwargs" in kwargs and kwargs["policy_kwargs"] != data["policy_kwargs"]:
            raise ValueError(f"The specified policy kwargs do not equal the stored policy kwargs. Stored kwargs: "
                             f"{data['policy_kwargs']}, specified kwargs: {kwargs['policy_kwargs']}")
        from sb_ppo2.compat.sb2_policies import resolve_policy_and_params

        data["policy"], params = resolve_policy_and_params(data, params)
        model = cls(policy=data["policy"], env=None, _init_setup_model=False)
        model.__dict__.update(data)
        model.__dict__.update(kwargs)
        model.set_env(env)
        model.setup_model()
        model.load_parameters(params)
        restore_training_state(model, read_extra_members(load_path))
        return model


def _plain_number(value: Any) -> Any:
    """NumPy scalars count as numbers for schedules (SB2 rejected np.float32 with a bare AssertionError)."""
    if isinstance(value, np.number) and not isinstance(value, np.bool_):
        return float(value)
    return value


def _with_progress_bar(callback, progress_bar: bool, total_timesteps: int):
    if not progress_bar:
        return callback
    from sb_ppo2.common.callbacks import ProgressBarCallback

    bar = ProgressBarCallback(total_timesteps=total_timesteps, force=True)
    if callback is None:
        return bar
    return [*(callback if isinstance(callback, list) else [_as_callback(callback)]), bar]


def _as_callback(callback):
    from sb_ppo2.common.callbacks import BaseCallback, ConvertCallback

    return callback if isinstance(callback, BaseCallback) else ConvertCallback(callback)


def _clip_by_global_norm(grads, max_norm: float) -> None:
    """
    TensorFlow's ``clip_by_global_norm``: scale gradients by ``max_norm / max(global_norm, max_norm)``.

    :param grads: (torch.Tensor or [nn.Parameter]) FlatAdam's flat gradient (one kernel), or parameters
    :param max_norm: (float) the largest global norm allowed
    """
    tensors = [grads] if torch.is_tensor(grads) else [p.grad for p in grads if p.grad is not None]
    if not tensors:
        return
    global_norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(tensors)))
    torch._foreach_mul_(tensors, max_norm / torch.clamp(global_norm, min=max_norm))


def total_episode_reward_logger(rew_acc: np.ndarray, rewards: np.ndarray, masks: np.ndarray, writer,
                                steps: int) -> np.ndarray:
    """
    Write the reward of every finished episode to TensorBoard (tag ``episode_reward``), as SB2 did.

    :param rew_acc: (np.ndarray) running episode reward per env (updated in place)
    :param rewards: (np.ndarray) rewards, (n_envs, n_steps)
    :param masks: (np.ndarray) done flags preceding each step, (n_envs, n_steps)
    :param writer: (SummaryWriter) the TensorBoard writer
    :param steps: (int) the timestep of the rollout's first step
    :return: (np.ndarray) rew_acc
    """
    for env_idx in range(rewards.shape[0]):
        dones_idx = np.sort(np.argwhere(masks[env_idx]).reshape(-1))
        if len(dones_idx) == 0:
            rew_acc[env_idx] += sum(rewards[env_idx])
            continue
        rew_acc[env_idx] += sum(rewards[env_idx, :dones_idx[0]])
        writer.add_scalar("episode_reward", rew_acc[env_idx], steps + dones_idx[0])
        for k in range(1, len(dones_idx)):
            rew_acc[env_idx] = sum(rewards[env_idx, dones_idx[k - 1]:dones_idx[k]])
            writer.add_scalar("episode_reward", rew_acc[env_idx], steps + dones_idx[k])
        rew_acc[env_idx] = sum(rewards[env_idx, dones_idx[-1]:])
    return rew_acc
