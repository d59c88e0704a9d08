"""Compiling kernel sources: the driver for the simulated device (host), its translation and the disk cache."""
