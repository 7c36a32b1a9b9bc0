"""``ExpertDataset`` and ``DataLoader``: expert transitions for ``pretrain`` (SB2's signatures).

SB2's loader ran a producer thread (joblib) feeding a queue; here minibatches are cut in-process on demand, which
gives the same batches for the small arrays behaviour cloning uses.  The worker-related arguments are accepted
and ignored.
"""

from __future__ import annotations

import numpy as np

from sb_ppo2 import logger

_LOADER_KEYS = ("dataloader", "train_loader", "val_loader")


class ExpertDataset:
    """
    Dataset for behaviour cloning: the transitions of expert trajectories, split into train and validation sets.

    The expert data is a dict (or ``.npz`` file) with ``obs``, ``actions``, ``rewards``, ``episode_returns`` and
    ``episode_starts``, as written by ``generate_expert_traj``.

    :param expert_path: (str) path to the ``.npz`` file
    :param traj_data: (dict) the data itself (exactly one of ``expert_path`` and ``traj_data``)
    :param train_fraction: (float) fraction of transitions in the training set (the rest validates)
    :param batch_size: (int) minibatch size
    :param traj_limitation: (int) number of episodes kept (-1: all)
    :param randomize: (bool) shuffle the minibatches at each pass
    :param verbose: (int) 1: print the data's shapes and statistics
    :param sequential_preprocessing: (bool) accepted for compatibility (loading is always in-process here)
    """

    def __init__(self, expert_path: str | None = None, traj_data: dict | None = None, train_fraction: float = 0.7,
                 batch_size: int = 64, traj_limitation: int = -1, randomize: bool = True, verbose: int = 1,
                 sequential_preprocessing: bool = False):
        if traj_data is not None and expert_path is not None:
            raise ValueError("Cannot specify both 'traj_data' and 'expert_path'")
        if traj_data is None and expert_path is None:
            raise ValueError("Must specify one of 'traj_data' or 'expert_path'")
        if traj_data is None:
            with np.load(expert_path, allow_pickle=True) as archive:
                traj_data = {key: archive[key] for key in archive.files}
        if verbose > 0:
            for key, val in traj_data.items():
                print(key, np.shape(val))
        episode_starts = np.asarray(traj_data["episode_starts"]).astype(bool)
        n_episodes_total = int(np.sum(episode_starts))
        limit_idx, n_episodes = _traj_limit(episode_starts, traj_limitation, len(traj_data["obs"]))
        observations = np.asarray(traj_data["obs"])[:limit_idx]
        actions = np.asarray(traj_data["actions"])[:limit_idx]
        # (N, *S) -> (N, prod(S)), as SB2 (image paths are 1-D and stay so).
        if observations.ndim > 2:
            observations = observations.reshape(len(observations), -1)
        if actions.ndim > 2:
            actions = actions.reshape(len(actions), -1)
        assert len(observations) == len(actions), ("The number of actions and observations differ please check your "
                                                   "expert dataset")
        indices = np.random.permutation(len(observations)).astype(np.int64)
        n_train = int(train_fraction * len(indices))
        train_indices, val_indices = indices[:n_train], indices[n_train:]
        assert len(train_indices) > 0, "No sample for the training set"
        assert len(val_indices) > 0, "No sample for the validation set"

        self.observations = observations
        self.actions = actions
        # SB2 sliced the returns with the transition index; the episodes kept is what was meant.
        self.returns = np.asarray(traj_data["episode_returns"])[:n_episodes]
        self.avg_ret = float(np.sum(self.returns) / len(self.returns)) if len(self.returns) else float("nan")
        self.std_ret = float(np.std(self.returns))
        self.verbose = verbose
        self.num_traj = n_episodes if traj_limitation > 0 else n_episodes_total
        self.num_transition = len(self.observations)
        self.randomize = randomize
        self.sequential_preprocessing = sequential_preprocessing
        self.dataloader = None
        self.train_loader = DataLoader(train_indices, self.observations, self.actions, batch_size,
                                       shuffle=self.randomize, start_process=False,
                                       sequential=sequential_preprocessing)
        self.val_loader = DataLoader(val_indices, self.observations, self.actions, batch_size,
                                     shuffle=self.randomize, start_process=False, sequential=sequential_preprocessing)
        if self.verbose >= 1:
            self.log_info()

    def init_dataloader(self, batch_size: int) -> None:
        """
        Create the loader over the whole dataset (``get_next_batch(None)``), as GAIL used it.

        :param batch_size: (int) minibatch size
        """
        indices = np.random.permutation(len(self.observations)).astype(np.int64)
        self.dataloader = DataLoader(indices, self.observations, self.actions, batch_size, shuffle=self.randomize,
                                     start_process=False, sequential=self.sequential_preprocessing)

    def __getstate__(self) -> dict:
        # The loaders are not pickled (SB2: they held processes); they are None after unpickling.
        return {k: v for k, v in self.__dict__.items() if k not in _LOADER_KEYS}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for key in _LOADER_KEYS:
            setattr(self, key, None)

    def log_info(self) -> None:
        """Log the number of trajectories and transitions and the returns' statistics."""
        logger.log(f"Total trajectories: {self.num_traj}")
        logger.log(f"Total transitions: {self.num_transition}")
        logger.log(f"Average returns: {self.avg_ret}")
        logger.log(f"Std for returns: {self.std_ret}")

    def get_next_batch(self, split: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """
        Get the next minibatch (the loaders cycle forever).

        :param split: (str) None (whole dataset, after ``init_dataloader``), 'train' or 'val'
        :return: ((np.ndarray, np.ndarray)) observations and actions
        """
        dataloader = {None: self.dataloader, "train": self.train_loader, "val": self.val_loader}[split]
        if dataloader is None:
            raise ValueError(f"no data loader for split {split!r} (call init_dataloader(batch_size) for None; "
                             "loaders are not kept when the dataset is pickled)")
        if dataloader.process is None:
            dataloader.start_process()
        try:
            return next(dataloader)
        except StopIteration:
            return next(iter(dataloader))

    def plot(self) -> None:
        """Show the histogram of the episode returns (needs matplotlib)."""
        import matplotlib.pyplot as plt

        plt.hist(self.returns)
        plt.show()


def _traj_limit(episode_starts: np.ndarray, traj_limitation: int, n_transitions: int) -> tuple[int, int]:
    """
    :return: ((int, int)) the end (exclusive) of the transitions of the first ``traj_limitation`` episodes, and
        the number of episodes kept
    """
    n_total = int(np.sum(episode_starts))
    if traj_limitation <= 0 or traj_limitation >= n_total:
        return n_transitions, n_total
    starts = np.flatnonzero(episode_starts)
    return int(starts[traj_limitation]), traj_limitation


class DataLoader:
    """
    Minibatches of (observations, actions) over a set of indices (SB2's signature; in-process here).

    As an iterator it yields ``len(self)`` minibatches, then raises StopIteration; ``iter()`` starts a new pass
    (reshuffled when ``shuffle``).  Observations given as image file paths are read with OpenCV.

    :param indices: (np.ndarray) indices of the transitions this loader serves
    :param observations: (np.ndarray) all observations (or image paths)
    :param actions: (np.ndarray) all actions
    :param batch_size: (int) minibatch size
    :param n_workers: (int) ignored (SB2: number of loading workers)
    :param infinite_loop: (bool) ignored (the loader is restarted by ``iter``)
    :param max_queue_len: (int) ignored
    :param shuffle: (bool) shuffle the indices at each pass
    :param start_process: (bool) mark the loader started (there is no process)
    :param backend: (str) ignored (SB2: joblib backend)
    :param sequential: (bool) ignored (loading is always sequential here)
    :param partial_minibatch: (bool) serve the last, smaller minibatch of a pass
    """

    def __init__(self, indices, observations, actions, batch_size: int, n_workers: int = 1,
                 infinite_loop: bool = True, max_queue_len: int = 1, shuffle: bool = False,
                 start_process: bool = True, backend: str = "threading", sequential: bool = False,
                 partial_minibatch: bool = True):
        self.n_workers = n_workers
        self.infinite_loop = infinite_loop
        self.indices = np.asarray(indices)
        self.original_indices = self.indices.copy()
        self.n_minibatches = len(self.indices) // batch_size
        if partial_minibatch and len(self.indices) % batch_size > 0:
            self.n_minibatches += 1
        self.batch_size = batch_size
        self.observations = observations
        self.actions = actions
        self.shuffle = shuffle
        self.process = None
        self.load_images = len(observations) > 0 and isinstance(observations[0], str | np.str_)
        self.backend = backend
        self.sequential = sequential
        self.start_idx = 0
        if start_process:
            self.start_process()

    def start_process(self) -> None:
        """Mark the loader as started (SB2 started its producer process here)."""
        self.process = True

    @property
    def _minibatch_indices(self) -> np.ndarray:
        return self.indices[self.start_idx:self.start_idx + self.batch_size]

    def __len__(self) -> int:
        return self.n_minibatches

    def __iter__(self) -> DataLoader:
        self.start_idx = 0
        self.indices = self.original_indices.copy()
        return self

    def __next__(self) -> tuple[np.ndarray, np.ndarray]:
        if self.start_idx >= self.n_minibatches * self.batch_size or self.start_idx >= len(self.indices):
            raise StopIteration
        if self.start_idx == 0 and self.shuffle:
            np.random.shuffle(self.indices)
        batch_indices = self._minibatch_indices
        obs = self.observations[batch_indices]
        if self.load_images:
            obs = np.concatenate([_read_image(path) for path in obs], axis=0)
        actions = self.actions[batch_indices]
        self.start_idx += self.batch_size
        return obs, actions


def _read_image(image_path: str) -> np.ndarray:
    """Read one recorded image observation (SB2 stored BGR files for RGB observations) as (1, H, W, C)."""
    try:
        import cv2
    except ImportError as err:
        raise ImportError("this expert dataset stores image observations as files: reading them needs OpenCV "
                          "(pip install opencv-python)") from err
    image = cv2.imread(str(image_path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"cannot read the image observation {image_path}")
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    elif image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image[np.newaxis]
