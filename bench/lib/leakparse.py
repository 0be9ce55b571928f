#!/usr/bin/python3
"""Reads leakwatch.py outputs (one per ISP) of one leak trial and prints
"pre=N leaks=N window_ms=X open=0|1": leaks before the failure (T_FAIL),
leaks after it, the time from the first to the last leaked packet seen
after it (sampling granularity), and whether it was still leaking in the
last 300 ms of the probe (T_END: the probe's end) - a window with no end.

Usage: leakparse.py T_FAIL T_END WATCH_FILE...
"""
import sys


def main():
    t_fail, t_end = float(sys.argv[1]), float(sys.argv[2])
    pre = leaks = 0
    first = last = None
    for path in sys.argv[3:]:
        rows = []
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) >= 2 and p[1].lstrip("-").isdigit():
                    rows.append((float(p[0]), int(p[1])))
        if not rows:
            continue
        at_fail = rows[0][1]
        for t, n in rows:
            if t < t_fail:
                at_fail = n
        pre += at_fail - rows[0][1] if rows[0][1] >= 0 else 0
        pre += max(rows[0][1], 0)
        prev = at_fail
        for t, n in rows:
            if t >= t_fail and n > prev:
                first = t if first is None else min(first, t)
                last = t if last is None else max(last, t)
            if t >= t_fail:
                prev = max(prev, n)
        leaks += max(rows[-1][1] - at_fail, 0)
    window = 0.0 if first is None else (last - first) * 1000
    still = 1 if last is not None and last >= t_end - 0.3 else 0
    print("pre=%d leaks=%d window_ms=%.0f open=%d" % (pre, leaks, window, still))


if __name__ == "__main__":
    main()
