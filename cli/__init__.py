"""The ``zhiwang`` command line: the top of the import graph.

Nothing in the other packages imports this one (tests/test_layers.py checks it);
it calls their ``api`` modules.
"""
