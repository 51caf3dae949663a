#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-pergroup.sh - the scenario of t-cluster-stream.sh with
# --shared-stream=no, the mode where each log's messages go in its own CPG
# group (the default until the shared stream became it): writes on two
# logs from every node, a kill and a rejoin, then one seed of the random
# fault test (STREAM_RANDOM_SEEDS, default 11).
# Exit: 0 pass, 1 fail, 77 skip.
CLUSTER_STREAM_MODE=pergroup exec bash "$(dirname "$0")/t-cluster-stream.sh"
