# A target with known phases for the time-ordered fold (pyfold --timeline):
#
#   python phases.py REPORT [SECONDS]
#
# Spins in phase_a for SECONDS (default 1), then in phase_b, then in phase_a
# again, and exits. Writes the wall-clock time (time.time()) of each phase's
# start and of the end to REPORT, one "name time" line each, so a test knows
# the real proportions however long the phases took on a busy machine.
import sys
import time


def spin(seconds):
    end = time.time() + seconds
    x = 0
    while time.time() < end:
        x += 1
    return x


def phase_a(seconds):
    return spin(seconds)


def phase_b(seconds):
    return spin(seconds)


def main():
    report = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    marks = []
    for name, phase in (("a", phase_a), ("b", phase_b), ("a", phase_a)):
        marks.append((name, time.time()))
        phase(seconds)
    marks.append(("end", time.time()))
    with open(report, "w") as f:
        for name, t in marks:
            f.write("%s %.6f\n" % (name, t))


main()
