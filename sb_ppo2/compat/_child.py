"""Preloaded by the multiprocessing fork server under the compat runner: children inherit the import hook."""

from sb_ppo2.compat import install

install()
