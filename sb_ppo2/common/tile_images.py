"""Tile a batch of images into one big image (used by ``VecEnv.render``)."""

from __future__ import annotations

import numpy as np


def tile_images(img_nhwc) -> np.ndarray:
    """
    Tile N images into one big P x Q image, with (P, Q) as close to square as possible.

    :param img_nhwc: (list or np.ndarray) images, each (height, width, channels)
    :return: (np.ndarray) the tiled image, (height * P, width * Q, channels)
    """
    img_nhwc = np.asarray(img_nhwc)
    n_images, height, width, n_channels = img_nhwc.shape
    new_height = int(np.ceil(np.sqrt(n_images)))
    new_width = int(np.ceil(float(n_images) / new_height))
    padding = [img_nhwc[0] * 0 for _ in range(n_images, new_height * new_width)]
    img_nhwc = np.array(list(img_nhwc) + padding)
    out_image = img_nhwc.reshape(new_height, new_width, height, width, n_channels)
    out_image = out_image.transpose(0, 2, 1, 3, 4)
    return out_image.reshape(new_height * height, new_width * width, n_channels)
