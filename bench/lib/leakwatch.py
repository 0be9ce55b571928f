#!/usr/bin/python3
"""Samples an ISP's leak meter (nft table inet wgks_leak) every PERIOD
seconds for SECONDS and prints "EPOCH LEAKS" each time the leak count
(dns + ipv6_other + other) changes, first line the start value.
Runs inside the ISP's network namespace; uses libnftables in-process.

Usage: leakwatch.py SECONDS [PERIOD]
"""
import ctypes
import json
import sys
import time

LEAKS = ("dns", "ipv6_other", "other")


def main():
    seconds = float(sys.argv[1])
    period = float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
    lib = ctypes.CDLL("libnftables.so.1")
    lib.nft_ctx_new.restype = ctypes.c_void_p
    lib.nft_ctx_get_output_buffer.restype = ctypes.c_char_p
    lib.nft_ctx_get_output_buffer.argtypes = [ctypes.c_void_p]
    lib.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.nft_ctx_buffer_output.argtypes = [ctypes.c_void_p]
    lib.nft_ctx_output_set_flags.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    ctx = lib.nft_ctx_new(0)
    lib.nft_ctx_buffer_output(ctx)
    lib.nft_ctx_output_set_flags(ctx, 1 << 4)  # NFT_CTX_OUTPUT_JSON

    def leaks():
        if lib.nft_run_cmd_from_buffer(ctx, b"list counters table inet wgks_leak") != 0:
            return -1
        data = json.loads(lib.nft_ctx_get_output_buffer(ctx).decode())
        return sum(o["counter"]["packets"] for o in data["nftables"]
                   if "counter" in o and o["counter"]["name"] in LEAKS)

    end = time.monotonic() + seconds
    last = None
    while time.monotonic() < end:
        n = leaks()
        if n != last:
            print("%.6f %d" % (time.time(), n), flush=True)
            last = n
        time.sleep(period)
    print("%.6f %d end" % (time.time(), leaks()), flush=True)


if __name__ == "__main__":
    main()
