# Known shares of time in three functions, for pysample's accuracy test
# (2.7 and 3.6+).
#
#   python shares.py SECONDS REPORT
#
# Each round calls sixty(), thirty() and ten(), which do 6, 3 and 1 units of
# the same CPU-bound work: 60%, 30% and 10% of the time. The program also
# measures the time it spends in each (the ground truth, in case the machine
# is uneven) and writes "sixty S\nthirty S\nten S\n" to REPORT at the end.
import sys
import time

clock = getattr(time, "perf_counter", time.time)
UNIT = 20000


def unit():
    x = 0
    for i in range(UNIT):
        x += i & 7
    return x


def sixty():
    for _ in range(6):
        unit()


def thirty():
    for _ in range(3):
        unit()


def ten():
    unit()


def main():
    seconds, report = float(sys.argv[1]), sys.argv[2]
    spent = {"sixty": 0.0, "thirty": 0.0, "ten": 0.0}
    until = clock() + seconds
    while clock() < until:
        for name, fn in (("sixty", sixty), ("thirty", thirty), ("ten", ten)):
            t0 = clock()
            fn()
            spent[name] += clock() - t0
    with open(report, "w") as f:
        for name in ("sixty", "thirty", "ten"):
            f.write("%s %.6f\n" % (name, spent[name]))


if __name__ == "__main__":
    main()
