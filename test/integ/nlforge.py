#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Forge dm-log-userspace requests from a user process on the netlink
connector: exactly what the kernel sends (nlmsghdr NLMSG_DONE + cn_msg for
CN_IDX_DM/CN_VAL_DM_USERSPACE_LOG + dm_ulog_request v3), a CTR then a
RESUME of a new log, but from a user port.  cmirrord must drop both.

usage: nlforge.py DAEMON-PORT unicast|group UUID
  unicast: sent to the daemon's port;
  group:   sent to the DM connector group.
Both need CAP_NET_ADMIN in the network namespace (else EPERM).
Prints "nlforge: sent N from port P"; exit 0 once both are sent.
"""
import socket
import struct
import sys

NETLINK_CONNECTOR, NLMSG_DONE = 11, 3
CN_IDX_DM, CN_VAL = 7, 1
CTR, RESUME = 1, 5


def frame(seq, port, uuid, rtype, data=b""):
    u = uuid.encode().ljust(129, b"\0")
    ulog = struct.pack("<Q129s3xIiIII", 1, u, 3, 0, seq, rtype, len(data))
    body = ulog + data
    cn = struct.pack("<IIIIHH", CN_IDX_DM, CN_VAL, seq, 0, len(body), 0)
    payload = cn + body
    nl = struct.pack("<IHHII", 16 + len(payload), NLMSG_DONE, 0, seq, port)
    return nl + payload


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("unicast", "group"):
        sys.exit(__doc__)
    dport, mode, uuid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM,
                      NETLINK_CONNECTOR)
    s.bind((0, 0))
    port = s.getsockname()[0]
    dest = (dport, 0) if mode == "unicast" else (0, 1 << (CN_IDX_DM - 1))
    sent = 0
    for seq, (rt, data) in enumerate(
            [(CTR, b"8192 clustered-core 1024 nosync"), (RESUME, b"")],
            start=4000):
        try:
            s.sendto(frame(seq, port, uuid, rt, data), dest)
        except ConnectionRefusedError:
            # To a group, the kernel's own connector socket is the unicast
            # target as well; in a namespace of our own there is none, and
            # the group copies were delivered before that error.
            if mode != "group":
                raise
        sent += 1
    print(f"nlforge: sent {sent} from port {port}")


if __name__ == "__main__":
    main()
