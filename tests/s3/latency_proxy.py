#!/usr/bin/python3
"""A slow S3 link for bench/run_s3.sh: tests/s3/faultproxy.py in latency
mode, without faults. Listens on 127.0.0.1 only and forwards to the S3
server (s3rver) given as --upstream, adding --latency-ms (default 30) to
every request and capping each connection at --mbps (default 60, MB/s of
10^6 bytes) in each direction, sleep-paced per 64 KiB chunk; GET bodies
stream through. It also checks SigV4 signatures as faultproxy does
(--secret, default S3RVER).

Usage: latency_proxy.py --listen PORT --upstream http://127.0.0.1:P
       [--latency-ms 30] [--mbps 60] [--log FILE] [--counts FILE]
       [--secret S3RVER]
--log FILE gets one JSON line per request (start, end, kind, bytes...),
which the benchmark sums into time per GET and per PUT.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultproxy  # noqa: E402  (the forwarding, pacing and logging code)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--latency-ms", default="30")
    p.add_argument("--mbps", type=float, default=60.0)
    p.add_argument("--secret", default="S3RVER")
    p.add_argument("--log")
    p.add_argument("--counts")
    a = p.parse_args()
    argv = ["--listen", a.listen, "--upstream", a.upstream, "--rate", "0",
            "--latency-ms", a.latency_ms, "--bandwidth", str(a.mbps * 1e6),
            "--secret", a.secret]
    if a.log:
        argv += ["--log", a.log]
    if a.counts:
        argv += ["--counts", a.counts]
    faultproxy.main(argv)


if __name__ == "__main__":
    main()
