#!/bin/bash
# DNS matrix with NetworkManager's dns=default (see dns-matrix.sh).
exec bash "$(dirname "$0")/dns-matrix.sh" default
