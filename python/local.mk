## python/local.mk - the Python module sockbroker, included by Makefile.am.

# Pure Python over ctypes: nothing to build, the interpreter's own
# directory to install into, byte-compiled there.
if HAVE_PYTHON
sockbrokerpydir = $(pythondir)/sockbroker
dist_sockbrokerpy_PYTHON = python/sockbroker/__init__.py
endif

# Skips itself without root or /usr/bin/python3.
ROOT_TESTS += tests/integration/python.sh
EXTRA_DIST += tests/integration/python.sh
