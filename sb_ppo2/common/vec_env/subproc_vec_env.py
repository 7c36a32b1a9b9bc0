"""``SubprocVecEnv``: one process per environment, stepped in parallel."""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sb_ppo2.common.vec_env.base_vec_env import CloudpickleWrapper, VecEnv
from sb_ppo2.common.vec_env.util import EnvSlot, check_actions, render_env

# How long the parent waits for a silent worker before checking that it is still alive.
_POLL_SECONDS = 1.0


class EnvWorkerError(RuntimeError):
    """An environment running in a ``SubprocVecEnv`` worker failed (raised, or the process died)."""


def _worker(remote, parent_remote, env_fn_wrapper: CloudpickleWrapper) -> None:
    # A forked worker inherits its parent's C-level signal handlers (SDL, used by pygame rendering, catches
    # SIGTERM to queue a quit event): restore the default so that terminate() really stops the worker.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent_remote.close()
    env = None
    try:
        env = env_fn_wrapper.var()
        slot = EnvSlot(env)
        while True:
            cmd, data = remote.recv()
            if cmd == "step":
                remote.send(("ok", slot.step(data)))
            elif cmd == "reset":
                remote.send(("ok", slot.reset()))
            elif cmd == "seed":
                remote.send(("ok", slot.seed(data)))
            elif cmd == "render":
                remote.send(("ok", render_env(env, data)))
            elif cmd == "close":
                env.close()
                remote.close()
                break
            elif cmd == "get_spaces":
                remote.send(("ok", (env.observation_space, env.action_space)))
            elif cmd == "env_method":
                method = getattr(env, data[0])
                remote.send(("ok", method(*data[1], **data[2])))
            elif cmd == "get_attr":
                remote.send(("ok", getattr(env, data)))
            elif cmd == "set_attr":
                remote.send(("ok", setattr(env, data[0], data[1])))
            else:
                raise NotImplementedError(f"`{cmd}` is not implemented in the worker")
    except KeyboardInterrupt:
        pass
    except EOFError:  # the parent went away
        pass
    except BaseException as err:  # report any env failure to the parent instead of dying silently
        try:
            remote.send(("error", f"{type(err).__name__}: {err}\n{traceback.format_exc()}"))
        except (BrokenPipeError, EOFError, OSError):
            pass



class SubprocVecEnv(VecEnv):
    """
    Run each environment in its own process.  Worth it when one env step is expensive.

    With the ``forkserver`` or ``spawn`` start methods (the default, as in SB2) the script's main code
    must sit under ``if __name__ == "__main__":``.  If an env raises, or its process dies, the next call
    raises ``EnvWorkerError`` naming the env index instead of hanging.

    :param env_fns: ([callable]) functions that each create one environment
    :param start_method: (str) multiprocessing start method (None: 'forkserver' where available, else 'spawn')
    """

    def __init__(self, env_fns: Sequence[Callable[[], Any]], start_method: str | None = None):
        self.waiting = False
        self.closed = False
        n_envs = len(env_fns)
        if start_method is None:
            forkserver_available = "forkserver" in multiprocessing.get_all_start_methods()
            start_method = "forkserver" if forkserver_available else "spawn"
        ctx = multiprocessing.get_context(start_method)
        self._poll_for_death = start_method == "fork"
        self.remotes, self.work_remotes = zip(*[ctx.Pipe(duplex=True) for _ in range(n_envs)])
        self.processes = []
        for work_remote, remote, env_fn in zip(self.work_remotes, self.remotes, env_fns):
            args = (work_remote, remote, CloudpickleWrapper(env_fn))
            process = ctx.Process(target=_worker, args=args, daemon=True)
            process.start()
            self.processes.append(process)
            work_remote.close()
        try:
            try:
                self.remotes[0].send(("get_spaces", None))
            except (BrokenPipeError, EOFError, OSError):
                pass  # worker 0 already died (its constructor raised?): its error report is read by _receive
            observation_space, action_space = self._receive(0)
        except EnvWorkerError:  # stop the other workers too, so that none is left behind
            self._terminate()
            raise
        VecEnv.__init__(self, n_envs, observation_space, action_space)

    def _receive(self, idx: int) -> Any:
        """Wait for worker ``idx``'s answer; raise ``EnvWorkerError`` if it failed or died."""
        remote, process = self.remotes[idx], self.processes[idx]
        try:
            # With 'fork', sibling workers inherit each other's pipe ends, so a dead worker's pipe may never
            # report EOF: poll and check liveness.  Other start methods get EOF at once: a plain recv suffices.
            while self._poll_for_death and not remote.poll(_POLL_SECONDS):
                if not process.is_alive():
                    raise EnvWorkerError(
                        f"SubprocVecEnv: the worker of env {idx} died (exit code {process.exitcode}) without answering"
                    )
            status, payload = remote.recv()
        except (EOFError, ConnectionResetError, BrokenPipeError) as err:
            process.join(timeout=_POLL_SECONDS)
            raise EnvWorkerError(
                f"SubprocVecEnv: the worker of env {idx} died (exit code {process.exitcode})"
            ) from err
        if status == "error":
            raise EnvWorkerError(f"SubprocVecEnv: env {idx} raised in its worker process: {payload}")
        return payload

    def _gather(self, indices: Sequence[int]) -> list:
        results, failure = [], None
        for idx in indices:
            try:
                results.append(self._receive(idx))
            except EnvWorkerError as err:  # keep draining the others, then report the first failure
                failure = failure or err
        if failure is not None:
            self.waiting = False
            self._terminate()
            raise failure
        return results

    def _send(self, idx: int, message: tuple) -> None:
        try:
            self.remotes[idx].send(message)
        except (BrokenPipeError, EOFError, OSError) as err:
            self._terminate()
            raise EnvWorkerError(f"SubprocVecEnv: the worker of env {idx} is gone") from err

    def step_async(self, actions: np.ndarray) -> None:
        actions = check_actions(actions, self.action_space, self.num_envs)
        for idx, action in enumerate(actions):
            self._send(idx, ("step", action))
        self.waiting = True

    def step_wait(self):
        results = self._gather(range(self.num_envs))
        self.waiting = False
        obs, rews, dones, infos = zip(*results)
        return _flatten_obs(obs, self.observation_space), np.stack(rews).astype(np.float32), np.stack(dones), infos

    def seed(self, seed: int | None = None) -> list:
        for idx in range(self.num_envs):
            self._send(idx, ("seed", None if seed is None else seed + idx))
        return self._gather(range(self.num_envs))

    def reset(self):
        for idx in range(self.num_envs):
            self._send(idx, ("reset", None))
        return _flatten_obs(self._gather(range(self.num_envs)), self.observation_space)

    def close(self) -> None:
        if self.closed:
            return
        if self.waiting:
            try:
                self._gather(range(self.num_envs))
            except EnvWorkerError:
                pass
        for remote, process in zip(self.remotes, self.processes):
            if process.is_alive():
                try:
                    remote.send(("close", None))
                except (BrokenPipeError, OSError):
                    pass
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
        self.closed = True

    def _terminate(self) -> None:
        """After a worker failure, stop every worker so no orphaned process is left behind."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():  # ignored SIGTERM (or a very busy machine): make sure it goes
                process.kill()
                process.join(timeout=5)
        self.closed = True

    def get_images(self) -> Sequence[np.ndarray]:
        for idx in range(self.num_envs):
            self._send(idx, ("render", "rgb_array"))
        return self._gather(range(self.num_envs))

    def get_attr(self, attr_name: str, indices=None) -> list:
        target = list(self._get_indices(indices))
        for idx in target:
            self._send(idx, ("get_attr", attr_name))
        return self._gather(target)

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        target = list(self._get_indices(indices))
        for idx in target:
            self._send(idx, ("set_attr", (attr_name, value)))
        self._gather(target)

    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs) -> list:
        target = list(self._get_indices(indices))
        for idx in target:
            self._send(idx, ("env_method", (method_name, method_args, method_kwargs)))
        return self._gather(target)

    def _get_indices(self, indices) -> list[int]:
        # Negative indices follow Python semantics, as in SB2; out-of-range ones raise IndexError (as a list would).
        normalised = []
        for idx in super()._get_indices(indices):
            if not -self.num_envs <= idx < self.num_envs:
                raise IndexError(f"env index {idx} out of range for {self.num_envs} environments")
            normalised.append(idx % self.num_envs)
        return normalised

    def __del__(self):
        if not getattr(self, "closed", True):
            try:
                self._terminate()
            except Exception:  # interpreter shutdown: nothing left to clean reliably
                pass


def _flatten_obs(obs: Sequence, space):
    """
    Stack per-env observations into one batch (per key for Dict/Tuple spaces).

    :param obs: (list) one observation per env
    :param space: (gymnasium.spaces.Space) the observation space
    """
    assert isinstance(obs, list | tuple), "expected list or tuple of observations per environment"
    assert len(obs) > 0, "need observations from at least one environment"
    from gymnasium import spaces

    if isinstance(space, spaces.Dict):
        return OrderedDict([(k, np.stack([o[k] for o in obs])) for k in space.spaces.keys()])
    if isinstance(space, spaces.Tuple):
        return tuple(np.stack([o[i] for o in obs]) for i in range(len(space.spaces)))
    return np.stack(obs)
