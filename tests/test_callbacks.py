"""Callbacks: hook order and counts, file names, EvalCallback results, stopping rules, progress bar.

A fake model runs SB2 2.10's PPO2 ``learn`` skeleton (section 5.1 of the spec) so the callbacks are tested
without any learning; one test at the end drives them with the real PPO2 when it is importable.
"""

import io
import os

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from sb_ppo2.common import callbacks as callbacks_module
from sb_ppo2.common.callbacks import (
    BaseCallback,
    CallbackList,
    CheckpointCallback,
    ConvertCallback,
    EvalCallback,
    EveryNTimesteps,
    ProgressBarCallback,
    StopTrainingOnRewardThreshold,
)
from sb_ppo2.common.vec_env import DummyVecEnv

EP_LENGTH = 3


class MatchEnv(gymnasium.Env):
    """Reward 1 per step when the action is 1, else 0; episodes of EP_LENGTH steps."""

    def __init__(self):
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(1, dtype=np.float32), {}

    def step(self, action):
        self.t += 1
        return np.zeros(1, dtype=np.float32), float(action == 1), self.t >= EP_LENGTH, False, {}


class FakePolicy:
    recurrent = False


class FakeModel:
    """Just enough of SB2's model API for the callbacks, plus a ``learn`` with PPO2's hook sequence."""

    policy = FakePolicy
    initial_state = None

    def __init__(self, n_envs=2, n_steps=4, action=1):
        self.env = DummyVecEnv([MatchEnv for _ in range(n_envs)])
        self.n_envs = n_envs
        self.n_steps = n_steps
        self.num_timesteps = 0
        self.action = action
        self.saved = []

    def get_env(self):
        return self.env

    def get_vec_normalize_env(self):
        return None

    def save(self, save_path):
        path = save_path if save_path.endswith(".zip") else save_path + ".zip"
        with open(path, "wb") as file_handler:
            file_handler.write(b"fake")
        self.saved.append(path)

    def predict(self, observation, state=None, mask=None, deterministic=False):
        return np.full(len(observation), self.action), state

    def learn(self, total_timesteps, callback=None):
        if isinstance(callback, list):
            callback = CallbackList(callback)
        if not isinstance(callback, BaseCallback):
            callback = ConvertCallback(callback)
        callback.init_callback(self)
        n_updates = total_timesteps // (self.n_envs * self.n_steps)
        callback.on_training_start(locals(), globals())
        for _update in range(1, n_updates + 1):
            callback.on_rollout_start()
            stop = self._rollout(callback)
            callback.on_rollout_end()
            if stop:
                break
        callback.on_training_end()
        return self

    def _rollout(self, callback):
        for _ in range(self.n_steps):
            actions = np.full(self.n_envs, self.action)
            _obs, rewards, _dones, infos = self.env.step(actions)
            self.num_timesteps += self.n_envs
            callback.update_locals({"actions": actions, "rewards": rewards, "infos": infos})
            if callback.on_step() is False:
                return True
        return False


class RecordingCallback(BaseCallback):
    """Records every hook with the model's timestep count; ``_on_step`` returns ``result``."""

    def __init__(self, events, name="cb", result=True):
        super().__init__()
        self.events = events
        self.name = name
        self.result = result

    def _init_callback(self):
        self.events.append((self.name, "init", self.model.num_timesteps))

    def _on_training_start(self):
        self.events.append((self.name, "training_start", self.model.num_timesteps))

    def _on_rollout_start(self):
        self.events.append((self.name, "rollout_start", self.model.num_timesteps))

    def _on_step(self):
        self.events.append((self.name, "step", self.num_timesteps))
        return self.result

    def _on_rollout_end(self):
        self.events.append((self.name, "rollout_end", self.model.num_timesteps))

    def _on_training_end(self):
        self.events.append((self.name, "training_end", self.model.num_timesteps))


def test_hook_order_and_counts():
    events = []
    model = FakeModel(n_envs=2, n_steps=3)
    callback = RecordingCallback(events)
    model.learn(13, callback=callback)  # 13 // 6 = 2 updates
    rollout = ["rollout_start", "step", "step", "step", "rollout_end"]
    assert [e[1] for e in events] == ["init", "training_start", *rollout, *rollout, "training_end"]
    steps = [e[2] for e in events if e[1] == "step"]
    assert steps == [2, 4, 6, 8, 10, 12]  # on_step sees num_timesteps already increased
    assert callback.n_calls == 6 and callback.num_timesteps == 12
    assert callback.model is model and callback.training_env is model.env
    assert callback.locals["total_timesteps"] == 13 and callback.locals["self"] is model
    assert "rewards" in callback.locals and callback.globals["FakeModel"] is FakeModel

    # n_calls is not reset by a second learn() with the same instance
    model.learn(6, callback=callback)
    assert callback.n_calls == 9


def test_zero_updates_only_start_and_end():
    events = []
    FakeModel(n_envs=2, n_steps=4).learn(7, callback=RecordingCallback(events))
    assert [e[1] for e in events] == ["init", "training_start", "training_end"]


def test_callback_list_no_short_circuit_and_list_argument():
    events = []
    stopper = RecordingCallback(events, "first", result=False)
    second = RecordingCallback(events, "second")
    model = FakeModel(n_envs=1, n_steps=4)
    model.learn(8, callback=[stopper, second])
    # one step: both children called, training stops, rollout_end still called
    names = [(e[0], e[1]) for e in events]
    assert names == [
        ("first", "init"), ("second", "init"),
        ("first", "training_start"), ("second", "training_start"),
        ("first", "rollout_start"), ("second", "rollout_start"),
        ("first", "step"), ("second", "step"),
        ("first", "rollout_end"), ("second", "rollout_end"),
        ("first", "training_end"), ("second", "training_end"),
    ]  # fmt: skip
    assert model.num_timesteps == 1
    # the children share the list's locals dict, so per-step updates reach them
    assert second.locals is stopper.locals and "rewards" in second.locals

    with pytest.raises(AssertionError):
        CallbackList((stopper, second))


def test_callback_list_and_of_results():
    events = []
    both = CallbackList([RecordingCallback(events, "a", result=True), RecordingCallback(events, "b", result=True)])
    one_false = CallbackList([RecordingCallback(events, "c", result=True), RecordingCallback(events, "d", result=False)])
    for callback_list, expected in ((both, True), (one_false, False)):
        callback_list.init_callback(FakeModel())
        callback_list.on_training_start({}, {})
        assert callback_list.on_step() is expected


def test_convert_callback_none_continues_false_stops():
    calls = []

    def keep_going(locals_, globals_):
        calls.append(locals_["self"])
        # None: training continues

    model = FakeModel(n_envs=1, n_steps=2)
    model.learn(6, callback=keep_going)
    assert len(calls) == 6 and all(c is model for c in calls)

    def stop_at_third(locals_, globals_):
        calls.append(1)
        return len(calls) < 3

    calls.clear()
    model = FakeModel(n_envs=1, n_steps=2)
    model.learn(6, callback=stop_at_third)
    assert len(calls) == 3 and model.num_timesteps == 3

    model = FakeModel(n_envs=1, n_steps=2)
    model.learn(4, callback=None)  # ConvertCallback(None) does nothing
    assert model.num_timesteps == 4


def test_checkpoint_callback_file_names(tmp_path, capsys):
    save_path = tmp_path / "logs" / "checkpoints"
    model = FakeModel(n_envs=2, n_steps=5)
    model.learn(20, callback=CheckpointCallback(save_freq=3, save_path=str(save_path), name_prefix="ppo", verbose=2))
    assert sorted(os.listdir(save_path)) == ["ppo_12_steps.zip", "ppo_18_steps.zip", "ppo_6_steps.zip"]
    assert f"Saving model checkpoint to {save_path / 'ppo_6_steps'}" in capsys.readouterr().out

    default = tmp_path / "default"
    FakeModel(n_envs=1, n_steps=4).learn(4, callback=CheckpointCallback(save_freq=2, save_path=str(default)))
    assert sorted(os.listdir(default)) == ["rl_model_2_steps.zip", "rl_model_4_steps.zip"]


def test_eval_callback_results_and_best_model(tmp_path, capsys):
    plan = iter([0, 1, 0])  # eval 1: reward 0, eval 2: reward EP_LENGTH (new best), eval 3: reward 0

    class ChangingPolicyModel(FakeModel):
        def predict(self, observation, state=None, mask=None, deterministic=False):
            return np.full(len(observation), self.eval_action), state

    model = ChangingPolicyModel(n_envs=1, n_steps=2)
    eval_callback = EvalCallback(
        MatchEnv(), n_eval_episodes=2, eval_freq=2, log_path=str(tmp_path / "eval"),
        best_model_save_path=str(tmp_path / "best"), verbose=1,
    )  # fmt: skip

    class SetEvalAction(BaseCallback):
        def _on_step(self):
            if self.n_calls % 2 == 0:
                self.model.eval_action = next(plan)
            return True

    model.learn(6, callback=[SetEvalAction(), eval_callback])

    data = np.load(tmp_path / "eval" / "evaluations.npz")
    assert sorted(data.files) == ["ep_lengths", "results", "timesteps"]
    np.testing.assert_array_equal(data["timesteps"], [2, 4, 6])
    # The eval env is a one-env DummyVecEnv, so (as in SB2) each episode reward is a 1-element array.
    assert data["results"].shape == (3, 2, 1)
    np.testing.assert_array_equal(data["results"][..., 0], [[0, 0], [3, 3], [0, 0]])
    np.testing.assert_array_equal(data["ep_lengths"], [[3, 3]] * 3)
    # New best at the first evaluation (> -inf) and at the second; not at the third.
    assert model.saved == [str(tmp_path / "best" / "best_model.zip")] * 2
    assert eval_callback.best_mean_reward == 3.0 and eval_callback.last_mean_reward == 0.0
    assert eval_callback.evaluations_timesteps == [2, 4, 6]
    out = capsys.readouterr().out
    assert "Eval num_timesteps=4, episode_reward=3.00 +/- 0.00" in out
    assert "Episode length: 3.00 +/- 0.00" in out
    assert out.count("New best mean reward!") == 2


def test_eval_callback_env_checks():
    with pytest.raises(AssertionError, match="You must pass only one environment for evaluation"):
        EvalCallback(DummyVecEnv([MatchEnv, MatchEnv]))
    callback = EvalCallback(MatchEnv())
    assert isinstance(callback.eval_env, DummyVecEnv) and callback.log_path is None
    # training env of another type: SB2 warns
    model = FakeModel()
    model.env = MatchEnv()
    with pytest.warns(UserWarning, match="Training and eval env are not of the same type"):
        callback.init_callback(model)


def test_stop_training_on_reward_threshold(capsys):
    model = FakeModel(n_envs=1, n_steps=10)
    stop = StopTrainingOnRewardThreshold(reward_threshold=2.5, verbose=1)
    eval_callback = EvalCallback(MatchEnv(), callback_on_new_best=stop, n_eval_episodes=1, eval_freq=3, verbose=0)
    assert stop.parent is eval_callback
    model.learn(100, callback=eval_callback)
    # First evaluation gives 3.0 >= 2.5: training stops at the third step
    assert model.num_timesteps == 3
    assert stop.n_calls == 1
    assert "Stopping training because the mean reward 3.00" in capsys.readouterr().out

    orphan = StopTrainingOnRewardThreshold(reward_threshold=1)
    orphan.init_callback(FakeModel())
    with pytest.raises(AssertionError, match="must be used with an `EvalCallback`"):
        orphan.on_step()


def test_every_n_timesteps():
    events = []
    child = RecordingCallback(events, "child")
    event_callback = EveryNTimesteps(n_steps=5, callback=child)
    assert child.parent is event_callback
    model = FakeModel(n_envs=2, n_steps=5)
    model.learn(20, callback=event_callback)
    assert [e[1] for e in events] == ["init", "training_start", "step", "step", "step"]
    assert [e[2] for e in events if e[1] == "step"] == [6, 12, 18]
    assert event_callback.last_time_trigger == 18 and event_callback.n_calls == 10


def test_progress_bar_forced_tqdm():
    stream = io.StringIO()
    FakeModel(n_envs=2, n_steps=5).learn(20, callback=ProgressBarCallback(force=True, file=stream))
    text = stream.getvalue()
    assert "20/20" in text


def test_progress_bar_forced_fallback(monkeypatch):
    monkeypatch.setattr(callbacks_module, "_load_tqdm", lambda: None)
    stream = io.StringIO()
    FakeModel(n_envs=2, n_steps=5).learn(20, callback=ProgressBarCallback(force=True, file=stream, min_interval=0))
    text = stream.getvalue()
    assert text.startswith("\r0/20 steps") and text.endswith("\n")
    assert "\r20/20 steps | " in text and "steps/s | ETA " in text


def test_progress_bar_silent_when_not_a_tty(capsys):
    FakeModel(n_envs=2, n_steps=5).learn(20, callback=ProgressBarCallback())
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_callbacks_with_real_ppo2(tmp_path):
    ppo2 = pytest.importorskip("sb_ppo2.ppo2")
    if not hasattr(ppo2, "PPO2"):
        pytest.skip("PPO2 not available yet")
    events = []
    model = ppo2.PPO2("MlpPolicy", DummyVecEnv([MatchEnv, MatchEnv]), n_steps=8, nminibatches=2, noptepochs=1)
    checkpoint = CheckpointCallback(save_freq=4, save_path=str(tmp_path))
    recorder = RecordingCallback(events)
    model.learn(40, callback=[recorder, checkpoint])  # 40 // 16 = 2 updates
    rollout = ["rollout_start"] + ["step"] * 8 + ["rollout_end"]
    assert [e[1] for e in events] == ["init", "training_start", *rollout, *rollout, "training_end"]
    assert [e[2] for e in events if e[1] == "step"] == list(range(2, 33, 2))
    assert sorted(os.listdir(tmp_path)) == sorted(f"rl_model_{n}_steps.zip" for n in (8, 16, 24, 32))

    # Legacy functional callback: locals['self'] is the model (our side of SB2's 2.9/2.10 drift); False stops.
    seen = []

    def legacy(locals_, globals_):
        seen.append(locals_["self"])
        return False

    model.learn(32, callback=legacy)
    assert seen == [model]

    eval_callback = EvalCallback(MatchEnv(), n_eval_episodes=2, eval_freq=4, best_model_save_path=str(tmp_path / "best"),
                                 log_path=str(tmp_path / "eval"), verbose=0)  # fmt: skip
    model.learn(16, callback=eval_callback)
    assert os.path.exists(tmp_path / "best" / "best_model.zip")
    assert np.load(tmp_path / "eval" / "evaluations.npz")["results"].shape == (2, 2, 1)


def test_logger_is_current_logger():
    logger = pytest.importorskip("sb_ppo2.logger")
    callback = BaseCallback()
    callback.init_callback(FakeModel())
    assert callback.logger is logger.Logger.CURRENT
