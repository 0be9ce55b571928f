#!/bin/sh
# Generates ./configure from configure.ac; then run ./configure && make.
set -e
srcdir=$(dirname "$0")
cd "$srcdir"
autoreconf --force --install --verbose
