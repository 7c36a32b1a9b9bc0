"""``BaseRLModel`` / ``ActorCriticRLModel``: env handling, inference, parameters and files, as in SB2."""

from __future__ import annotations

import contextlib
import os
import warnings
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from sb_ppo2.common.misc_util import set_global_seeds
from sb_ppo2.common.policies import ActorCriticPolicy, BasePolicy, SB2Param, get_policy_from_name
from sb_ppo2.common.save_util import load_from_file, save_to_cloudpickle, save_to_zip
from sb_ppo2.common.vec_env import DummyVecEnv, VecEnv, unwrap_vec_normalize
from sb_ppo2.common.vec_env.util import discrete_bounds


def _sb2_to_torch(array: np.ndarray, kind: str) -> np.ndarray:
    """Convert an array from SB2's (TensorFlow) layout to the torch layout of its kind."""
    if kind == "dense":
        return array.T
    if kind == "conv_w":  # HWIO -> OIHW
        return np.transpose(array, (3, 2, 0, 1))
    if kind == "conv_b":  # [1, C, 1, 1] -> [C]
        return array.reshape(-1)
    return array


def _torch_to_sb2(array: np.ndarray, kind: str) -> np.ndarray:
    """Convert a torch-layout array to SB2's (TensorFlow) layout."""
    if kind == "dense":
        return array.T
    if kind == "conv_w":  # OIHW -> HWIO
        return np.transpose(array, (2, 3, 1, 0))
    if kind == "conv_b":
        return array.reshape(1, -1, 1, 1)
    return array


class SetVerbosity:
    """
    Within ``learn``: with ``verbose <= 0`` the SB logger is silenced, as SB2 did; restored on exit.

    :param verbose: (int) the verbosity level
    """

    def __init__(self, verbose: int = 0):
        self.verbose = verbose

    def __enter__(self):
        from sb_ppo2 import logger

        self._log_level = logger.get_level()
        if self.verbose <= 0:
            logger.set_level(logger.DISABLED)

    def __exit__(self, exc_type, exc_val, exc_tb):
        from sb_ppo2 import logger

        logger.set_level(self._log_level)


class TensorboardWriter:
    """
    Open a TensorBoard run folder ``<tensorboard_log>/<tb_log_name>_<N>`` for one ``learn`` call (SB2's numbering).

    :param graph: (None) ignored (TensorFlow graph)
    :param tensorboard_log_path: (str) the log folder, or None for no logging
    :param tb_log_name: (str) the run name
    :param new_tb_log: (bool) start a new run (N + 1) instead of continuing the latest one
    """

    def __init__(self, graph, tensorboard_log_path: str | None, tb_log_name: str, new_tb_log: bool = True):
        self.tensorboard_log_path = tensorboard_log_path
        self.tb_log_name = tb_log_name
        self.new_tb_log = new_tb_log
        self.writer = None

    def __enter__(self):
        if self.tensorboard_log_path is None:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as err:
            raise ImportError("tensorboard_log needs TensorBoard: pip install 'sb_ppo2[tensorboard]'") from err
        latest_run_id = self._get_latest_run_id()
        if self.new_tb_log:
            latest_run_id += 1
        save_path = os.path.join(self.tensorboard_log_path, f"{self.tb_log_name}_{latest_run_id}")
        os.makedirs(save_path, exist_ok=True)
        self.writer = SummaryWriter(log_dir=save_path)
        return self.writer

    def _get_latest_run_id(self) -> int:
        """:return: (int) the highest run number of this run name in the log folder (0 if none)"""
        max_run_id = 0
        if not os.path.isdir(self.tensorboard_log_path):
            return 0
        prefix = f"{self.tb_log_name}_"
        for entry in os.listdir(self.tensorboard_log_path):
            suffix = entry[len(prefix):]
            if entry.startswith(prefix) and suffix.isdigit():
                max_run_id = max(max_run_id, int(suffix))
        return max_run_id

    def __exit__(self, exc_type, exc_val, exc_tb):
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()


class BaseRLModel(ABC):
    """
    The base RL model.

    :param policy: (BasePolicy or str) the policy class or its registered name ("MlpPolicy", "CnnPolicy", ...)
    :param env: (gymnasium env, VecEnv, str or None) the environment (a string is an env id)
    :param verbose: (int) 0 silent, 1 training information, 2 debug
    :param requires_vec_env: (bool) wrap a single env in a DummyVecEnv
    :param policy_base: (type) the base class of the policies this model accepts
    :param policy_kwargs: (dict) extra arguments for the policy
    :param seed: (int) seed of the random generators (None: no seeding)
    :param n_cpu_tf_sess: (int) number of torch CPU threads while this model trains (None: sb_ppo2's choice)
    """

    def __init__(self, policy, env, verbose: int = 0, *, requires_vec_env: bool, policy_base,
                 policy_kwargs: dict | None = None, seed: int | None = None, n_cpu_tf_sess: int | None = None):
        if isinstance(policy, str) and policy_base is not None:
            self.policy = get_policy_from_name(policy_base, policy)
        else:
            self.policy = policy
        self.env = env
        self.verbose = verbose
        self._requires_vec_env = requires_vec_env
        self.policy_kwargs = {} if policy_kwargs is None else policy_kwargs
        self.observation_space = None
        self.action_space = None
        self.n_envs = None
        self._vectorize_action = False
        self.num_timesteps = 0
        self.graph = None
        self.sess = None
        self.params = None
        self.seed = seed
        self.n_cpu_tf_sess = n_cpu_tf_sess
        self.episode_reward = None
        self.ep_info_buf = None
        if env is not None:
            self.env = self._wrap_env(env)
            self.observation_space = self.env.observation_space
            self.action_space = self.env.action_space
            self.n_envs = self.env.num_envs
        self._vec_normalize_env = unwrap_vec_normalize(self.env)

    def _wrap_env(self, env) -> VecEnv:
        """Turn an env id or a single env into a VecEnv, as SB2's constructor did."""
        if isinstance(env, str):
            from sb_ppo2.common.cmd_util import make_env_from_id

            if self.verbose >= 1:
                print("Creating environment from the given name, wrapped in a DummyVecEnv.")
            env_id = env
            return DummyVecEnv([lambda: make_env_from_id(env_id)])
        if isinstance(env, VecEnv):
            return env
        if not (hasattr(env, "step") and hasattr(env, "reset") and hasattr(env, "observation_space")):
            raise ValueError(f"env must be a gymnasium env, a VecEnv, an env id string or None; got {type(env).__name__}")
        if self.verbose >= 1:
            print("Wrapping the env in a DummyVecEnv.")
        return DummyVecEnv([lambda: env])

    def get_env(self):
        """:return: (VecEnv) the current environment (None if not set)"""
        return self.env

    def get_vec_normalize_env(self):
        """:return: (VecNormalize) the ``VecNormalize`` wrapper of the training env, if any"""
        return self._vec_normalize_env

    def set_env(self, env) -> None:
        """
        Replace the environment (same spaces; a VecEnv, as PPO2 needs one).

        :param env: (VecEnv) the new environment
        """
        if env is None and self.env is None:
            if self.verbose >= 1:
                print("Loading a model without an environment, this model cannot be trained until it has a valid "
                      "environment.")
            return
        if env is None:
            raise ValueError("Error: trying to replace the current environment with None")
        assert spaces_match(self.observation_space, env.observation_space, "observation"), (
            "Error: the environment passed must have at least the same observation space as the model was "
            f"trained on (model: {self.observation_space}, env: {env.observation_space}).")
        assert spaces_match(self.action_space, env.action_space, "action"), (
            "Error: the environment passed must have at least the same action space as the model was trained on "
            f"(model: {self.action_space}, env: {env.action_space}).")
        if self._requires_vec_env:
            assert isinstance(env, VecEnv), (
                "Error: the environment passed is not a vectorized environment, however "
                f"{type(self).__name__} requires it")
            assert not self.policy.recurrent or self.n_envs == env.num_envs, (
                "Error: the environment passed must have the same number of environments as the model was trained "
                "on. This is due to the Lstm policy not being capable of changing the number of environments.")
            self.n_envs = env.num_envs
        self.env = env
        self._vec_normalize_env = unwrap_vec_normalize(env)
        self.episode_reward = None
        self.ep_info_buf = None
        self._runner = None

    def _init_num_timesteps(self, reset_num_timesteps: bool = True) -> bool:
        """
        :param reset_num_timesteps: (bool) restart the timestep count
        :return: (bool) whether a new TensorBoard run starts
        """
        if reset_num_timesteps:
            self.num_timesteps = 0
        return self.num_timesteps == 0

    def set_random_seed(self, seed: int | None) -> None:
        """
        Seed python, numpy, torch, the env and the action spaces (nothing if ``seed`` is None).

        :param seed: (int) the seed
        """
        if seed is None:
            return
        set_global_seeds(seed)
        if self.env is not None:
            self.env.seed(seed)
            self.env.action_space.seed(seed)
        if self.action_space is not None:
            self.action_space.seed(seed)

    @abstractmethod
    def setup_model(self) -> None:
        """Create the networks and the optimizer."""

    @abstractmethod
    def learn(self, total_timesteps: int, callback=None, log_interval: int = 100, tb_log_name: str = "run",
              reset_num_timesteps: bool = True):
        """Train the model."""

    def _setup_learn(self) -> None:
        """Check that an env is set and create the episode buffers."""
        if self.env is None:
            raise ValueError("Error: cannot train the model without a valid environment, please set an environment with"
                             "set_env(self, env) method.")
        if self.episode_reward is None:
            self.episode_reward = np.zeros((self.n_envs,))
        if self.ep_info_buf is None:
            from collections import deque

            self.ep_info_buf = deque(maxlen=100)

    def _init_callback(self, callback):
        """
        Normalise ``callback``: a list becomes a ``CallbackList``, a function (or None) a ``ConvertCallback``.

        :param callback: (BaseCallback, list, callable or None)
        :return: (BaseCallback)
        """
        from sb_ppo2.common.callbacks import BaseCallback, CallbackList, ConvertCallback

        if isinstance(callback, list):
            callback = CallbackList(callback)
        if not isinstance(callback, BaseCallback):
            callback = ConvertCallback(callback)
        callback.init_callback(self)
        return callback

    @contextlib.contextmanager
    def _torch_threads(self) -> Iterator[None]:
        """Use ``n_cpu_tf_sess`` torch threads while training (one by default for small MLPs; restored after)."""
        wanted = self.n_cpu_tf_sess
        if wanted is None:
            wanted = 1 if getattr(self, "_small_network", False) else None
        previous = torch.get_num_threads()
        if wanted is not None and wanted != previous:
            torch.set_num_threads(int(wanted))
        try:
            yield
        finally:
            if torch.get_num_threads() != previous:
                torch.set_num_threads(previous)

    # --- files ----------------------------------------------------------------------------------------------
    @staticmethod
    def _save_to_file(save_path, data: dict | None = None, params: dict | None = None, cloudpickle: bool = False,
                      extra_members: dict | None = None):
        """
        Write a model file (SB2's zip layout, or the legacy cloudpickle with ``cloudpickle=True``).

        A path without extension gets ``.zip`` (``.pkl`` for cloudpickle); files are written atomically.
        """
        if isinstance(save_path, str | os.PathLike):
            save_path = os.fspath(save_path)
            if os.path.splitext(save_path)[1] == "":
                save_path += ".pkl" if cloudpickle else ".zip"
        if cloudpickle:
            save_to_cloudpickle(save_path, data, params)
        else:
            save_to_zip(save_path, data, params, extra_members)

    @staticmethod
    def _load_from_file(load_path, load_data: bool = True, custom_objects: dict | None = None):
        """
        Read a model file (zip or legacy pickle) without running code from it.

        :return: ((dict, OrderedDict)) data and parameters
        """
        data, params = load_from_file(load_path, custom_objects=custom_objects)
        return (data, params) if load_data else params


class ActorCriticRLModel(BaseRLModel):
    """
    The base class of actor-critic models (PPO2).

    :param policy: (ActorCriticPolicy or str) the policy class or its registered name
    :param env: (gymnasium env, VecEnv, str or None) the environment
    :param _init_setup_model: (bool) build the networks now
    :param verbose: (int) verbosity
    :param policy_base: (type) base class of accepted policies
    :param requires_vec_env: (bool) whether a VecEnv is required
    :param policy_kwargs: (dict) extra arguments for the policy
    :param seed: (int) seed
    :param n_cpu_tf_sess: (int) torch CPU threads while training
    """

    def __init__(self, policy, env, _init_setup_model, verbose=0, policy_base=ActorCriticPolicy,
                 requires_vec_env=False, policy_kwargs=None, seed=None, n_cpu_tf_sess=None):
        super().__init__(policy, env, verbose=verbose, requires_vec_env=requires_vec_env, policy_base=policy_base,
                         policy_kwargs=policy_kwargs, seed=seed, n_cpu_tf_sess=n_cpu_tf_sess)
        self.act_model: ActorCriticPolicy | None = None
        self.train_model: ActorCriticPolicy | None = None
        self.step = None
        self.proba_step = None
        self.value = None
        self.initial_state = None

    def _bind_policy(self, policy_module: ActorCriticPolicy) -> None:
        """Expose the policy's calls with SB2's model attributes (``step``, ``value``, ``proba_step``, ...)."""
        self.act_model = self.train_model = policy_module
        self.step = policy_module.step
        self.proba_step = policy_module.proba_step
        self.value = policy_module.value
        self.initial_state = policy_module.initial_state
        self.params = [p.tensor for p in policy_module.sb2_parameters()]

    # --- inference ------------------------------------------------------------------------------------------
    def predict(self, observation, state=None, mask=None, deterministic: bool = False):
        """
        Get the model's action(s) for an observation or a batch of observations.

        Recurrent policies (``MlpLstmPolicy``, ...), as in SB2: pass the returned state back at the next call and
        ``mask=done`` (the done flags of the previous ``env.step``); ``state=None`` means ``model.initial_state``.
        They act on exactly ``n_envs`` observations (the number of envs the model was trained with), else a
        ``ValueError``.  To act for one env, pad: ``padded = np.zeros((model.n_envs,) + obs_shape)``,
        ``padded[0] = obs``, and use ``action[0]`` (``evaluate_policy`` does this).

        :param observation: (np.ndarray) one observation, or a batch (n, *obs_shape)
        :param state: (np.ndarray) the last recurrent states ``(n_envs, 2 * n_lstm)`` (None for feed-forward
            policies, or for the initial state)
        :param mask: (np.ndarray) the last done flags ``(n_envs,)`` (recurrent policies)
        :param deterministic: (bool) take the most likely action instead of sampling
        :return: ((np.ndarray, np.ndarray)) the action(s), clipped to a Box space's bounds, and the next state
        """
        observation, state, mask, vectorized_env = self._prepare_inputs(observation, state, mask)
        actions, _, states, _ = self.step(observation, state, mask, deterministic=deterministic)
        clipped_actions = actions
        if isinstance(self.action_space, spaces.Box):
            clipped_actions = np.clip(actions, self.action_space.low, self.action_space.high)
        if not vectorized_env:
            if state is not None:
                raise ValueError("Error: The environment must be vectorized when using recurrent policies.")
            clipped_actions = clipped_actions[0]
        return clipped_actions, states

    def _prepare_inputs(self, observation, state, mask) -> tuple[np.ndarray, Any, Any, bool]:
        """
        SB2's input handling shared by ``predict`` and ``action_probability``: defaults for ``state`` and
        ``mask``, checks, and the observation as a batch.

        :return: ((np.ndarray, np.ndarray, list, bool)) observation batch, state, mask, whether it was a batch
        """
        if state is None:
            state = self.initial_state
        if mask is None:
            mask = [False for _ in range(self.n_envs or 1)]
        observation = self._check_observation(observation)
        vectorized_env = self._is_vectorized_observation(observation, self.observation_space)
        observation = observation.reshape((-1, *self.observation_space.shape))
        self._check_recurrent_inputs(observation, state, mask)
        return observation, state, mask, vectorized_env

    def action_probability(self, observation, state=None, mask=None, actions=None, logp: bool = False):
        """
        The policy's action distribution for observations, or the probability of given actions.

        :param observation: (np.ndarray) one observation or a batch (recurrent policies: exactly ``n_envs``
            observations, see ``predict``)
        :param state: (np.ndarray) recurrent states
        :param mask: (np.ndarray) done flags (recurrent policies)
        :param actions: (np.ndarray) if given, return the probability (density for Box) of these actions
        :param logp: (bool) return log-probabilities (with ``actions``)
        :return: (np.ndarray or list) see SB2's documentation for the shapes per action space
        """
        observation, state, mask, vectorized_env = self._prepare_inputs(observation, state, mask)
        actions_proba = self.proba_step(observation, state, mask)
        if len(actions_proba) == 0:
            warnings.warn(f"Warning: action probability is not implemented for {type(self.action_space).__name__} "
                          "action space. Returning None.")
            return None
        if actions is not None:
            prob = self._probability_of_actions(observation, actions, actions_proba, logp)
            if prob is None:
                return None
            prob = prob.reshape((-1, 1))
        else:
            prob = actions_proba
        if not vectorized_env:
            if state is not None:
                raise ValueError("Error: The environment must be vectorized when using recurrent policies.")
            prob = prob[0]
        return prob

    def _check_recurrent_inputs(self, observation: np.ndarray, state, mask) -> None:
        """
        Recurrent policies act on exactly ``n_envs`` observations (SB2's fixed acting batch): check the batch,
        the state and the mask before running the policy, with an error that says how to act for fewer envs.

        :param observation: (np.ndarray) the batch, already reshaped to ``(n,) + obs_shape``
        :param state: (np.ndarray) the recurrent states
        :param mask: (array-like) the done flags
        :raises ValueError: when a shape does not fit
        """
        policy = self.act_model
        if policy is None or not getattr(policy, "recurrent", False) or not hasattr(policy, "check_inputs"):
            return
        policy.check_inputs(observation.shape[0], state, mask)

    def _probability_of_actions(self, observation, actions, actions_proba, logp: bool):
        """Probability (or log-probability / density) of given actions under ``actions_proba`` (SB2's rules)."""
        space = self.action_space
        actions = np.array([actions])
        if isinstance(space, spaces.Discrete):
            actions = actions.reshape((-1,))
            assert observation.shape[0] == actions.shape[0], "Error: batch sizes differ for actions and observations."
            prob = actions_proba[np.arange(actions.shape[0]), actions]
        elif isinstance(space, spaces.MultiDiscrete):
            actions = actions.reshape((-1, len(space.nvec)))
            assert observation.shape[0] == actions.shape[0], "Error: batch sizes differ for actions and observations."
            prob = np.prod([proba[np.arange(actions.shape[0]), actions[:, i]]
                            for i, proba in enumerate(actions_proba)], axis=0)
        elif isinstance(space, spaces.MultiBinary):
            actions = actions.reshape((-1, space.n))
            assert observation.shape[0] == actions.shape[0], "Error: batch sizes differ for actions and observations."
            prob = np.prod(actions_proba * actions + (1 - actions_proba) * (1 - actions), axis=1)
        elif isinstance(space, spaces.Box):
            actions = actions.reshape((-1, *space.shape))
            mean, std = actions_proba
            logstd = np.log(std)
            n_elts = np.prod(mean.shape[1:])
            log_prob = -np.sum(np.square(actions - mean) / (2 * np.square(std)), axis=1) - (
                0.5 * np.log(2 * np.pi) * n_elts + np.sum(logstd, axis=1))
            return log_prob if logp else np.exp(log_prob)
        else:
            warnings.warn(f"Warning: action_probability not implemented for {type(space).__name__} actions space. "
                          "Returning None.")
            return None
        if logp:
            return np.log(prob)
        return prob

    def _check_observation(self, observation) -> np.ndarray:
        """Reject observations whose dtype or values cannot be those of the observation space (``ValueError``)."""
        observation = np.array(observation)
        if observation.dtype == object or not (np.issubdtype(observation.dtype, np.number)
                                               or observation.dtype == bool):
            raise ValueError(f"Error: observation must be numeric for the observation space {self.observation_space}, "
                             f"got dtype {observation.dtype}")
        space = self.observation_space
        if isinstance(space, spaces.Discrete | spaces.MultiDiscrete | spaces.MultiBinary):
            # One-hot encoding would silently truncate 1.5 or wrap -1: say so instead.
            low, high = discrete_bounds(space)
            integral = np.issubdtype(observation.dtype, np.integer) or observation.dtype == bool or (
                np.all(np.isfinite(observation)) and np.all(observation == np.round(observation)))
            if not integral or np.any(observation < low) or np.any(observation > high):
                raise ValueError(f"Error: observation {observation.tolist()} is not in the observation space {space}")
        return observation

    @staticmethod
    def _is_vectorized_observation(observation: np.ndarray, observation_space) -> bool:
        """
        Tell a single observation from a batch, by the space's shape (SB2's rules).

        :param observation: (np.ndarray) the input
        :param observation_space: (gymnasium.spaces.Space) the observation space
        :return: (bool) True for a batch
        """
        if isinstance(observation_space, spaces.Box):
            if observation.shape == observation_space.shape:
                return False
            if observation.shape[1:] == observation_space.shape:
                return True
            raise ValueError(
                f"Error: Unexpected observation shape {observation.shape} for Box environment, please use "
                f"{observation_space.shape} or (n_env, {', '.join(map(str, observation_space.shape))}) for the "
                "observation shape.")
        if isinstance(observation_space, spaces.Discrete):
            if observation.shape == ():
                return False
            if len(observation.shape) == 1:
                return True
            raise ValueError(f"Error: Unexpected observation shape {observation.shape} for Discrete environment, "
                             "please use (1,) or (n_env, 1) for the observation shape.")
        if isinstance(observation_space, spaces.MultiDiscrete):
            n_dims = len(observation_space.nvec)
            if observation.shape == (n_dims,):
                return False
            if len(observation.shape) == 2 and observation.shape[1] == n_dims:
                return True
            raise ValueError(f"Error: Unexpected observation shape {observation.shape} for MultiDiscrete environment, "
                             f"please use ({n_dims},) or (n_env, {n_dims}) for the observation shape.")
        if isinstance(observation_space, spaces.MultiBinary):
            if observation.shape == observation_space.shape:
                return False
            if len(observation.shape) == 2 and observation.shape[1:] == observation_space.shape:
                return True
            raise ValueError(f"Error: Unexpected observation shape {observation.shape} for MultiBinary environment, "
                             f"please use {observation_space.shape} or (n_env, {observation_space.n}) for the "
                             "observation shape.")
        raise ValueError(f"Error: Cannot determine if the observation is vectorized with the space type "
                         f"{observation_space}.")

    # --- behaviour cloning ----------------------------------------------------------------------------------
    def pretrain(self, dataset, n_epochs: int = 10, learning_rate: float = 1e-4, adam_epsilon: float = 1e-8,
                 val_interval: int | None = None):
        """
        Pretrain the policy with behaviour cloning on expert data (SB2's ``pretrain``): cross-entropy between the
        policy's logits and the expert actions for ``Discrete`` actions, mean squared error between the
        deterministic action (the Gaussian mean) and the expert actions for ``Box`` actions.  A new Adam optimiser
        (``learning_rate``, ``adam_epsilon``) is used; the model's own optimizer state is left alone.

        Unlike SB2, the weights are NOT re-initialised first: pretraining a loaded or trained model continues from
        its current weights (SB2 re-initialised every variable, issue #921), and ``pretrain`` can be called
        several times on one model (SB2 failed on the second call, issue #538).

        :param dataset: (ExpertDataset) the expert data (``sb_ppo2.gail.ExpertDataset``)
        :param n_epochs: (int) number of passes over the training split
        :param learning_rate: (float) Adam learning rate
        :param adam_epsilon: (float) Adam epsilon
        :param val_interval: (int) with verbose > 0, report the training and validation losses every
            ``val_interval`` epochs (default: 1 if n_epochs < 10 else n_epochs // 10)
        :return: (ActorCriticRLModel) self
        """
        continuous = isinstance(self.action_space, spaces.Box)
        discrete = isinstance(self.action_space, spaces.Discrete)
        assert discrete or continuous, "Only Discrete and Box action spaces are supported"
        if getattr(self.act_model, "recurrent", False):
            raise NotImplementedError("pretrain is not available for recurrent policies (SB2 could not feed their "
                                      "states either): pretrain a feed-forward policy")
        if val_interval is None:
            val_interval = 1 if n_epochs < 10 else int(n_epochs / 10)
        policy = self.act_model
        optimizer = torch.optim.Adam(policy.parameters(), lr=learning_rate, eps=adam_epsilon)
        if self.verbose > 0:
            print("Pretraining with Behavior Cloning...")
        with self._torch_threads():
            for epoch_idx in range(int(n_epochs)):
                train_loss = 0.0
                for _ in range(len(dataset.train_loader)):
                    loss = self._behaviour_cloning_loss(*dataset.get_next_batch("train"), continuous)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    train_loss += loss.item()
                train_loss /= len(dataset.train_loader)
                if self.verbose > 0 and (epoch_idx + 1) % val_interval == 0:
                    val_loss = self._validation_loss(dataset, continuous)
                    print(f"==== Training progress {100 * (epoch_idx + 1) / n_epochs:.2f}% ====")
                    print(f"Epoch {epoch_idx + 1}")
                    print(f"Training loss: {train_loss:.6f}, Validation loss: {val_loss:.6f}")
                    print()
        if self.verbose > 0:
            print("Pretraining done.")
        return self

    def _behaviour_cloning_loss(self, expert_obs, expert_actions, continuous: bool) -> torch.Tensor:
        """:return: (torch.Tensor) SB2's pretrain loss on one batch (MSE on the mean, or cross-entropy)"""
        policy = self.act_model
        device = next(policy.parameters()).device
        obs = torch.as_tensor(np.asarray(expert_obs).reshape((-1, *self.observation_space.shape)), device=device)
        latent_pi, _ = policy.extract_latent(obs)
        output = policy.pi(latent_pi)  # logits (Discrete) or the Gaussian mean, the deterministic action (Box)
        if continuous:
            actions = torch.as_tensor(np.asarray(expert_actions, dtype=np.float32), device=device)
            return torch.mean(torch.square(actions.reshape(output.shape) - output))
        actions = torch.as_tensor(np.asarray(expert_actions).reshape(-1).astype(np.int64), device=device)
        return torch.nn.functional.cross_entropy(output, actions)

    def _validation_loss(self, dataset, continuous: bool) -> float:
        """:return: (float) the mean behaviour-cloning loss over one pass of the validation split"""
        total = 0.0
        with torch.no_grad():
            for _ in range(len(dataset.val_loader)):
                total += self._behaviour_cloning_loss(*dataset.get_next_batch("val"), continuous).item()
        return total / max(len(dataset.val_loader), 1)

    # --- parameters -----------------------------------------------------------------------------------------
    def _sb2_params(self) -> list[SB2Param]:
        return self.act_model.sb2_parameters()

    def get_parameter_list(self) -> list:
        """:return: ([torch.Tensor]) the trainable parameters in SB2's order (each has ``.shape``)"""
        return self.params

    def get_parameters(self) -> OrderedDict:
        """:return: (OrderedDict) SB2 (TensorFlow) parameter name -> numpy array in SB2's layout"""
        return OrderedDict(
            (p.name, _torch_to_sb2(p.tensor.detach().cpu().numpy(), p.kind).copy()) for p in self._sb2_params())

    def load_parameters(self, load_path_or_dict, exact_match: bool = True) -> None:
        """
        Load parameters from a dict (name -> array), a list (SB2's order, deprecated) or a model file.

        :param load_path_or_dict: (dict, list, str or file) the parameters
        :param exact_match: (bool) require every parameter of the model (checked before anything is changed)
        """
        sb2_params = self._sb2_params()
        if isinstance(load_path_or_dict, dict):
            params = load_path_or_dict
        elif isinstance(load_path_or_dict, list):
            warnings.warn("Loading model parameters from a list. This has been replaced with parameter dictionaries "
                          "with variable names and parameters. If you are loading from a file, consider re-saving the "
                          "file.", DeprecationWarning)
            if len(load_path_or_dict) != len(sb2_params):
                raise ValueError(f"load_parameters: got a list of {len(load_path_or_dict)} arrays, the model has "
                                 f"{len(sb2_params)} parameters")
            params = {p.name: value for p, value in zip(sb2_params, load_path_or_dict)}
        else:
            _, params = self._load_from_file(load_path_or_dict)
            if isinstance(params, list):
                return self.load_parameters(params, exact_match=exact_match)
        self._assign_sb2_params(sb2_params, params, exact_match)
        return None

    def _assign_sb2_params(self, sb2_params: list[SB2Param], params: dict, exact_match: bool) -> None:
        by_name = {p.name: p for p in sb2_params}
        unknown = [name for name in params if name not in by_name]
        if unknown:
            raise KeyError(f"load_parameters: unknown parameter name(s) {unknown}; the model has {list(by_name)}")
        missing = [name for name in by_name if name not in params]
        if exact_match and missing:
            raise RuntimeError(f"Load dictionary did not contain all variables. Missing variables: {missing}")
        converted = {}
        for name, value in params.items():
            param = by_name[name]
            array = _sb2_to_torch(np.asarray(value, dtype=np.float32), param.kind)
            if tuple(array.shape) != tuple(param.tensor.shape):
                raise ValueError(f"load_parameters: {name} has shape {np.shape(value)}, the model expects the SB2 "
                                 f"layout of torch shape {tuple(param.tensor.shape)}")
            converted[name] = array
        with torch.no_grad():  # every check passed: only now change the model
            for name, array in converted.items():
                tensor = by_name[name].tensor
                tensor.copy_(torch.as_tensor(array, dtype=tensor.dtype, device=tensor.device))

    @classmethod
    @abstractmethod
    def load(cls, load_path, env=None, custom_objects=None, **kwargs):
        """Load a model from a file."""

    @abstractmethod
    def save(self, save_path, cloudpickle: bool = False) -> None:
        """Save the model to a file."""


def spaces_match(model_space, env_space, what: str) -> bool:
    """
    SB2 required equal spaces.  Box bounds are allowed to differ, with a warning: gym stored unbounded
    dimensions as float32's largest value where gymnasium has infinity (CartPole), and some successor envs
    moved their limits (LunarLander-v3), while the network and its input are the same.

    :param model_space: (gymnasium.spaces.Space) the model's space
    :param env_space: (gymnasium.spaces.Space) the env's space
    :param what: (str) "observation" or "action", for the warning
    :return: (bool) whether the env can be used with the model
    """
    if model_space == env_space:
        return True
    if not (isinstance(model_space, spaces.Box) and isinstance(env_space, spaces.Box)):
        return False
    if model_space.shape != env_space.shape or model_space.dtype != env_space.dtype:
        return False
    warnings.warn(f"The env's {what} space bounds differ from the model's ({env_space} vs {model_space}); "
                  "using the env anyway (same shape and dtype)")
    return True


def is_policy_class(policy: Any) -> bool:
    """:return: (bool) whether ``policy`` is an sb_ppo2 actor-critic policy class"""
    return isinstance(policy, type) and issubclass(policy, ActorCriticPolicy)


__all__ = ["ActorCriticRLModel", "BasePolicy", "BaseRLModel", "SetVerbosity", "TensorboardWriter"]
