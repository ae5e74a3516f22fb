"""Benchmark settings: the production settings plus the floor view's URLs."""

from aistrale.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
