# Threads that start and end all the time, for pysample's safety tests.
#
#   python churn.py SECONDS
#
# For SECONDS, keeps starting short-lived threads (a few at a time, each
# living a few milliseconds, some busy, some sleeping), then exits 0.
import sys
import threading
import time


def short(busy):
    if busy:
        until = time.time() + 0.003
        while time.time() < until:
            pass
    else:
        time.sleep(0.003)


def main():
    until = time.time() + float(sys.argv[1])
    n = 0
    while time.time() < until:
        threads = [threading.Thread(target=short, args=(i % 2 == 0,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        n += len(threads)
    sys.stdout.write("threads %d\n" % n)


if __name__ == "__main__":
    main()
