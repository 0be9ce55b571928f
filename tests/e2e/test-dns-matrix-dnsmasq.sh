#!/bin/bash
# DNS matrix with NetworkManager's dns=dnsmasq (see dns-matrix.sh).
exec bash "$(dirname "$0")/dns-matrix.sh" dnsmasq
