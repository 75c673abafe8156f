# -*- coding: utf-8 -*-
# A deterministic target for pysample's end-to-end tests (2.7 and 3.6+).
#
#   python scenes.py DUMP HOLD
#
# Starts threads that each come to rest at a known place: deep recursion
# (main thread), a generator, a class method through a lambda and a
# comprehension, a function in a file with a very long path, a sleeper, and a
# spinner that loops on one line while holding the GIL; on Python 3 also an
# async function and non-ASCII function names (scenes3.py). When every stack
# has stopped changing, it writes its own view (sys._current_frames: file,
# function, line per frame, innermost first) to DUMP as JSON, stays still for
# HOLD seconds, then lets every thread go and exits 0.
import json
import os
import sys
import threading
import time

PY3 = sys.version_info[0] >= 3
DEPTH = 120
release = threading.Event()
spinning = [True]
sleeping = [True]
natives = {}


def note_native():
    if hasattr(threading, "get_native_id"):
        natives[threading.current_thread().ident] = threading.get_native_id()


def rest():
    release.wait()


def recurse(n):
    if n == 0:
        return rest()
    return recurse(n - 1)


def numbers():
    yield rest()


def generator_user():
    note_native()
    for _ in numbers():
        pass


class Worker(object):
    def run_method(self):
        note_native()
        f = lambda: [rest() for _ in range(1)]
        return f()


def sleeper():
    note_native()
    # A plain flag, so that between sleeps the thread is at the loop line, never in a call.
    while sleeping[0]:
        time.sleep(0.2)


def spinner():
    note_native()
    while spinning[0]: pass


def long_path_caller(folder):
    note_native()
    # A module under a path of more than 300 bytes.
    deep = os.path.join(folder, "p" * 100, "q" * 100, "r" * 100)
    if not os.path.isdir(deep):
        os.makedirs(deep)
    with open(os.path.join(deep, "far_away_module.py"), "w") as f:
        f.write("def far_away(rest):\n    return rest()\n")
    sys.path.insert(0, deep)
    import far_away_module
    far_away_module.far_away(rest)


def name_of(code):
    return getattr(code, "co_qualname", code.co_name)


def snapshot(skip):
    out = {}
    for ident, frame in sys._current_frames().items():
        if ident == skip:
            continue
        frames = []
        while frame is not None:
            frames.append([frame.f_code.co_filename, name_of(frame.f_code), frame.f_lineno])
            frame = frame.f_back
        out[str(ident)] = frames
    return out


def reporter(dump, hold, expected):
    note_native()
    me = threading.current_thread().ident
    # Still means: every thread present and two snapshots 100 ms apart equal.
    # The spinner's innermost line never changes while it spins.
    before = None
    while True:
        now = snapshot(me)
        if len(now) >= expected and now == before:
            break
        before = now
        time.sleep(0.1)
    threads = {}
    for ident, frames in now.items():
        threads[ident] = {"native": natives.get(int(ident)), "frames": frames}
    roles = {"main": main_ident, "spinner": spin_thread.ident, "sleeper": sleep_thread.ident}
    data = {"pid": os.getpid(), "version": "%d.%d.%d" % sys.version_info[:3], "still_from": time.time(),
            "still_until": time.time() + hold, "reporter_native": natives.get(me),
            "roles": dict((k, str(v)) for k, v in roles.items()), "threads": threads}
    tmp = dump + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.rename(tmp, dump)
    time.sleep(hold)
    spinning[0] = False
    sleeping[0] = False
    release.set()


def main():
    global main_ident, spin_thread, sleep_thread
    dump, hold = sys.argv[1], float(sys.argv[2])
    note_native()
    main_ident = threading.current_thread().ident
    folder = os.path.dirname(os.path.abspath(dump))
    spin_thread = threading.Thread(target=spinner)
    sleep_thread = threading.Thread(target=sleeper)
    workers = [threading.Thread(target=generator_user), threading.Thread(target=Worker().run_method),
               threading.Thread(target=long_path_caller, args=(folder,)), spin_thread, sleep_thread]
    if PY3:
        import scenes3
        workers += [threading.Thread(target=scenes3.start, args=(rest, note_native)) for _ in range(2)]
        workers[-1]._target = scenes3.start_async
    for t in workers:
        t.daemon = True
        t.start()
    rep = threading.Thread(target=reporter, args=(dump, hold, len(workers) + 1))
    rep.start()
    recurse(DEPTH)
    rep.join()
    for t in workers:
        t.join()


if __name__ == "__main__":
    main()
