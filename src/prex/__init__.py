"""prex — an open-source public resource exchange platform (公共资源交易平台)."""

__version__ = "0.1.0"
