# A small service with a TTL cache, for pydiff's before/after test.
#
#   python ttl_cache.py READY
#
# Serves one request every 10 ms (absolute deadlines, sleeping in between).
# A request looks its key up in the cache (20 keys, round robin); an entry
# older than TTL seconds is computed again by lookup(), which keeps the CPU
# busy for 10 ms; then render() keeps it busy for 0.5 ms. With TTL = 1 every
# key is computed once a second: lookup() is about 20% of the time, render()
# about 5%, sleeping the rest. Busy spells are measured on the clock, so the
# shares hold on a loaded machine too. Writes READY once every key has been
# computed, then runs until it is killed. The test edits TTL (the edit moves
# every line below it).
import sys
import time

TTL = 1.0

KEYS = 20
TICK = 0.01
clock = getattr(time, "monotonic", time.time)


def busy(seconds):
    end = clock() + seconds
    n = 0
    while clock() < end:
        n += 1
    return n


def lookup(key):
    return busy(0.010) + key


class Cache(object):
    def __init__(self, ttl):
        self.ttl = ttl
        self.entries = {}

    def get(self, key):
        entry = self.entries.get(key)
        now = clock()
        if entry is None or now - entry[0] >= self.ttl:
            entry = (now, lookup(key))
            self.entries[key] = entry
        return entry[1]


def render(value):
    end = clock() + 0.0005
    n = value
    while clock() < end:
        n += 1
    return n


def handle(cache, key):
    return render(cache.get(key))


def main():
    ready = sys.argv[1]
    cache = Cache(TTL)
    for key in range(KEYS):
        handle(cache, key)
    with open(ready, "w") as f:
        f.write("ready\n")
    deadline = clock()
    request = 0
    while True:
        handle(cache, request % KEYS)
        request += 1
        deadline += TICK
        pause = deadline - clock()
        if pause > 0:
            time.sleep(pause)
        else:
            deadline = clock()


main()
