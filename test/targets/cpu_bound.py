# A CPU-bound program with a 50-frame Python stack, for pysample's benchmark
# (2.7 and 3.6+): it descends 50 calls deep and does arithmetic in the
# innermost frame, in chunks of fixed work.
#
#   python cpu_bound.py ITERATIONS   run that much work, print "elapsed S"
#   python cpu_bound.py --chunks     run until stdin closes, printing
#                                    "chunk END_TIME DURATION" after each chunk
#                                    (about 20 ms of work on 3.12)
#                                    (wall-clock seconds), flushed at once
import sys
import time

DEPTH = 50
CHUNK = 500000
clock = getattr(time, "perf_counter", time.time)
# The same loop on every version: Python 2's range builds a list, its xrange
# counts lazily as Python 3's range does.
try:
    lazy_range = xrange
except NameError:
    lazy_range = range


def work(n):
    total = 0
    for i in lazy_range(n):
        total += i * i % 7
    return total


def descend(level, n):
    if level >= DEPTH - 2:  # with <module> and the caller, 50 frames
        return work(n)
    return descend(level + 1, n)


def chunks():
    import select
    out = sys.stdout
    # One thread only: stdin is polled between chunks (EOF ends the run).
    while not (select.select([sys.stdin], [], [], 0)[0] and not sys.stdin.read(1)):
        t0 = clock()
        descend(0, CHUNK)
        t1 = clock()
        out.write("chunk %.6f %.6f\n" % (time.time(), t1 - t0))
        out.flush()


def run(iterations):
    start = clock()
    done = 0
    while done < iterations:
        descend(0, CHUNK)
        done += CHUNK
    sys.stdout.write("elapsed %.6f\n" % (clock() - start))


if __name__ == "__main__":
    if sys.argv[1:] == ["--chunks"]:
        chunks()
    else:
        run(int(sys.argv[1]) if len(sys.argv) > 1 else 20000000)
