# A busy target for pysample's safety tests (2.7 and 3.6+).
#
#   python busy.py SECONDS [REPORT]
#
# Spins in Python for SECONDS (two threads: the main one and a helper), then
# exits 0. It answers each real-time signal SIGRTMIN+1 with a line "signal N"
# on stdout (so a sender can wait for each before sending the next: Python
# runs its handler once for signals that arrive together) and, at the end or
# on SIGTERM/SIGINT/SIGHUP, writes "signals N", "ended by X" and "end signals
# N" (how many of those arrived) to REPORT.
# Prints "ready" once its handlers are in place.
import os
import signal
import sys
import threading
import time

RT = 35  # SIGRTMIN + 1 on Linux/glibc (2.7 has no signal.SIGRTMIN)
count = [0]
ended = ["time"]
end_signals = [0]
stop = [False]


def on_rt(signum, frame):
    count[0] += 1
    sys.stdout.write("signal %d\n" % count[0])
    sys.stdout.flush()


def on_end(signum, frame):
    end_signals[0] += 1
    ended[0] = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT", signal.SIGHUP: "SIGHUP"}[signum]
    stop[0] = True


def helper():
    x = 0
    while not stop[0]:
        x += 1


def received_end_signals(wakeup):
    # Python runs a handler once for signals that arrive together; the wakeup
    # fd gets one byte per signal delivered (its number, on Python 3).
    if wakeup is None:
        return end_signals[0]
    try:
        data = os.read(wakeup, 65536)
    except OSError:
        data = b""
    ends = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    return sum(1 for b in bytearray(data) if b in ends)


def main():
    seconds = float(sys.argv[1])
    report = sys.argv[2] if len(sys.argv) > 2 else None
    signal.signal(RT, on_rt)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_end)
    wakeup = None
    if sys.version_info[0] >= 3:
        wakeup, w = os.pipe()
        os.set_blocking(w, False)
        os.set_blocking(wakeup, False)
        signal.set_wakeup_fd(w)
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
    if ended[0] != "time":
        time.sleep(0.3)  # a second signal (sent twice by mistake) would arrive now
    if report:
        with open(report, "w") as f:
            f.write("signals %d\nended by %s\nend signals %d\n" % (count[0], ended[0], received_end_signals(wakeup)))


if __name__ == "__main__":
    main()
