#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send malformed kernel frames to cmirrord's seqpacket test transport and
check each gets the documented error reply (or is dropped), that valid
requests still work afterwards, and that no state changed.

usage: badframes.py SOCKET
"""
import socket
import struct
import sys

CN_IDX_DM, CN_VAL = 7, 1
T = dict(CTR=1, DTR=2, PRESUSPEND=3, POSTSUSPEND=4, RESUME=5,
         GET_REGION_SIZE=6, IS_CLEAN=7, IN_SYNC=8, FLUSH=9, MARK_REGION=10,
         CLEAR_REGION=11, GET_RESYNC_WORK=12, SET_REGION_SYNC=13,
         GET_SYNC_COUNT=14, STATUS_INFO=15, STATUS_TABLE=16,
         IS_REMOTE_RECOVERING=17)
EINVAL, EPROTO, ESRCH = 22, 71, 3
seq = 1000
failures = []


def req(uuid, luid, rtype, data=b"", version=3, cn_len=None, ds=None,
        idx=CN_IDX_DM, val=CN_VAL, uuid_raw=None):
    global seq
    seq += 1
    u = uuid_raw if uuid_raw is not None else uuid.encode().ljust(129, b"\0")
    hdr = struct.pack("<Q129s3xIiIII", luid, u, version, 0, seq, rtype,
                      len(data) if ds is None else ds)
    body = hdr + data
    cn = struct.pack("<IIIIHH", idx, val, seq, 0,
                     len(body) if cn_len is None else cn_len, 0)
    return seq, cn + body


def xfer(s, frame, expect_reply=True):
    s.send(frame)
    if not expect_reply:
        s.settimeout(0.5)
        try:
            r = s.recv(4096)
            return r
        except socket.timeout:
            return None
        finally:
            s.settimeout(10)
    return s.recv(4096)


def parse(r):
    idx, val, cseq, ack, ln, fl = struct.unpack_from("<IIIIHH", r, 0)
    luid, u, ver, err, rseq, rt, ds = struct.unpack_from("<Q129s3xIiIII", r, 20)
    return dict(idx=idx, val=val, len=ln, err=err, seq=rseq, type=rt, ds=ds,
                data=r[180:180 + ds])


def check(name, cond, detail=""):
    if cond:
        print(f"ok   {name}")
    else:
        print(f"FAIL {name} {detail}")
        failures.append(name)


def expect_err(s, name, frame_seq, frame, err):
    sq, fr = frame_seq, frame
    r = parse(xfer(s, fr))
    check(name, r["seq"] == sq and r["err"] == -err,
          f"(got seq {r['seq']} err {r['err']}, want {-err})")


def main():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(sys.argv[1])
    U, L = "badframe-uuid", 0xffff888012345600
    ctr = b"8192 clustered-core 1024 nosync"
    sq, fr = req(U, L, T["CTR"], ctr)
    r = parse(xfer(s, fr))
    check("valid CTR accepted", r["err"] == 0 and r["seq"] == sq, str(r))
    # Loaded, not resumed (dmsetup status of a table being loaded): the
    # answers come from the table alone.
    for t, want in (("STATUS_INFO", b"1 clustered-core\0"),
                    ("STATUS_TABLE", b"clustered-core 2 1024 nosync \0"),
                    ("GET_SYNC_COUNT", struct.pack("<Q", 0))):
        sq, fr = req(U, L, T[t])
        r = parse(xfer(s, fr))
        check(f"{t} before RESUME", r["err"] == 0 and r["seq"] == sq and
              r["data"] == want, str(r))
    sq, fr = req(U, L, T["RESUME"])
    check("RESUME", parse(xfer(s, fr))["err"] == 0)

    # Malformed frames with a readable request header: error replies.
    expect_err(s, "wrong version", *req(U, L, T["IN_SYNC"], bytes(8), version=2), EPROTO)
    expect_err(s, "unknown type 0", *req(U, L, 0), EINVAL)
    expect_err(s, "unknown type 18", *req(U, L, 18), EINVAL)
    expect_err(s, "unknown type 255", *req(U, L, 255), EINVAL)
    expect_err(s, "MARK size not multiple of 8", *req(U, L, T["MARK_REGION"], bytes(12)), EINVAL)
    expect_err(s, "MARK empty", *req(U, L, T["MARK_REGION"], b""), EINVAL)
    expect_err(s, "MARK 33 regions", *req(U, L, T["MARK_REGION"], bytes(8 * 33)), EINVAL)
    expect_err(s, "IN_SYNC short payload", *req(U, L, T["IN_SYNC"], bytes(4)), EINVAL)
    expect_err(s, "SET_REGION_SYNC short", *req(U, L, T["SET_REGION_SYNC"], bytes(8)), EINVAL)
    expect_err(s, "MARK region out of range",
               *req(U, L, T["MARK_REGION"], struct.pack("<Q", 1 << 40)), EINVAL)
    expect_err(s, "IN_SYNC region out of range",
               *req(U, L, T["IN_SYNC"], struct.pack("<Q", 9)), EINVAL)
    expect_err(s, "bad CTR string", *req("badctr-uuid", L + 64, T["CTR"], b"8192 bogus 1024"), EINVAL)
    expect_err(s, "CTR region size not power of 2",
               *req("badctr-uuid", L + 64, T["CTR"], b"8192 clustered-core 1000"), EINVAL)
    expect_err(s, "CTR embedded NUL",
               *req("badctr-uuid", L + 64, T["CTR"], b"8192 clustered\0-core 1024"), EINVAL)
    expect_err(s, "unknown luid -> ESRCH (reconnect)",
               *req(U, L + 8, T["IN_SYNC"], bytes(8)), ESRCH)

    # Frames without a readable request header: dropped, no reply.
    _, fr = req(U, L, T["IN_SYNC"], bytes(8))
    for n in (0, 1, 19, 20, 100, 179):
        if n == 0:
            continue
        check(f"truncated frame {n} bytes dropped", xfer(s, fr[:n], False) is None)
    _, fr = req(U, L, T["IN_SYNC"], bytes(8), idx=9)
    check("wrong connector idx dropped", xfer(s, fr, False) is None)
    _, fr = req(U, L, T["IN_SYNC"], bytes(8), cn_len=500)
    check("cn_msg.len larger than datagram dropped", xfer(s, fr, False) is None)
    sq, fr = req(U, L, T["IN_SYNC"], bytes(8), ds=400)
    r = xfer(s, fr, False)
    check("data_size larger than frame rejected",
          r is None or parse(r)["err"] < 0)
    sq, fr = req(U, L, T["IN_SYNC"], bytes(8), uuid_raw=b"x" * 129)
    r = xfer(s, fr, False)
    check("unterminated uuid rejected", r is None or parse(r)["err"] == -EINVAL)

    # An oversized frame among valid ones, all sent before the first answer
    # (so that one receive can take them together): dropped without a
    # reply, the others answered, in order.
    burst = [req(U, L, T["IN_SYNC"], struct.pack("<Q", i)) for i in range(3)]
    _, big = req(U, L, T["IN_SYNC"], bytes(8))
    for fr in (burst[0][1], big + bytes(3000), burst[1][1], burst[2][1]):
        s.send(fr)
    got = [parse(s.recv(4096))["seq"] for _ in burst]
    check("oversized frame in a burst dropped, the others answered in order",
          got == [sq for sq, _ in burst], f"(got seqs {got})")
    s.settimeout(0.5)
    try:
        extra = s.recv(4096)
    except socket.timeout:
        extra = None
    s.settimeout(10)
    check("no answer to the oversized frame", extra is None,
          f"(got seq {parse(extra)['seq'] if extra else None})")

    # The daemon still serves, and nothing changed: region 0 still in sync
    # (nosync log), sync count full.
    sq, fr = req(U, L, T["IN_SYNC"], struct.pack("<Q", 0))
    r = parse(xfer(s, fr))
    check("still serving after bad input", r["err"] == 0 and r["ds"] == 8
          and struct.unpack("<q", r["data"])[0] == 1, str(r))
    sq, fr = req(U, L, T["GET_SYNC_COUNT"])
    r = parse(xfer(s, fr))
    check("sync count unchanged", r["err"] == 0 and struct.unpack("<Q", r["data"])[0] == 8, str(r))
    sq, fr = req(U, L, T["IS_CLEAN"], struct.pack("<Q", 3))
    r = parse(xfer(s, fr))
    check("no mark leaked from rejected MARKs", struct.unpack("<q", r["data"])[0] == 1, str(r))
    sq, fr = req(U, L, T["STATUS_INFO"])
    r = parse(xfer(s, fr))
    check("STATUS_INFO NUL-terminated", r["data"].endswith(b"\0") and
          r["data"].rstrip(b"\0") == b"1 clustered-core", str(r["data"]))
    for t in ("PRESUSPEND", "POSTSUSPEND", "DTR"):
        sq, fr = req(U, L, T[t])
        check(t, parse(xfer(s, fr))["err"] == 0)
    print(f"badframes: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
