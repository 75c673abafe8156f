# A busy target for pysample's safety tests (2.7 and 3.6+).
#
#   python busy.py SECONDS [REPORT]
#
# Spins in Python for SECONDS (two threads: the main one and a helper), then
# exits 0. It answers each real-time signal SIGRTMIN+1 with a line "signal N"
# on stdout (so a sender can wait for each before sending the next: Python
# runs its handler once for signals that arrive together) and, at the end or
# on SIGTERM/SIGINT/SIGHUP, writes "signals N" and "ended by X" to REPORT.
# Prints "ready" once its handlers are in place.
import os
import signal
import sys
import threading
import time

RT = 35  # SIGRTMIN + 1 on Linux/glibc (2.7 has no signal.SIGRTMIN)
count = [0]
ended = ["time"]
stop = [False]


def on_rt(signum, frame):
    count[0] += 1
    sys.stdout.write("signal %d\n" % count[0])
    sys.stdout.flush()


def on_end(signum, frame):
    ended[0] = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT", signal.SIGHUP: "SIGHUP"}[signum]
    stop[0] = True


def helper():
    x = 0
    while not stop[0]:
        x += 1


def main():
    seconds = float(sys.argv[1])
    report = sys.argv[2] if len(sys.argv) > 2 else None
    signal.signal(RT, on_rt)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_end)
    t = threading.Thread(target=helper)
    t.daemon = True
    t.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    until = time.time() + seconds
    x = 0
    while not stop[0] and time.time() < until:
        for _ in range(1000):
            x += 1
    stop[0] = True
    t.join()
    if report:
        with open(report, "w") as f:
            f.write("signals %d\nended by %s\n" % (count[0], ended[0]))


if __name__ == "__main__":
    main()
