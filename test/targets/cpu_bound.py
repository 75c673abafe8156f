# A CPU-bound program with a 50-frame Python stack, for pysample's benchmark:
# descends 50 calls deep, then spins in the innermost frame. Prints its own
# run time (CPU work done in a fixed number of iterations) when it ends.
#   python cpu_bound.py [ITERATIONS]
import sys
import time

DEPTH = 50


def work(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def descend(level, n):
    if level >= DEPTH - 2:  # <module> and descend() frames make 50
        return work(n)
    return descend(level + 1, n)


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20000000
    start = time.perf_counter()
    chunk = 100000
    done = 0
    while done < iterations:
        descend(0, chunk)
        done += chunk
    elapsed = time.perf_counter() - start
    sys.stdout.write("elapsed %.6f\n" % elapsed)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
