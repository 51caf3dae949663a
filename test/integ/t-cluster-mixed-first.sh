#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-mixed-first.sh - the first step of a rolling change to the
# shared stream: node 3 runs with it while nodes 1 and 2, which serve the
# log, still run with --shared-stream=no.  Node 3 must wait on the log,
# not start it fresh on its own (t-cluster-mixed.sh, MIXED_FIRST=pergroup).
# Exit: 0 pass, 1 fail, 77 skip.
MIXED_FIRST=pergroup exec bash "$(dirname "$0")/t-cluster-mixed.sh"
