"""The `pixel` command line: a thin layer over the headless core."""
