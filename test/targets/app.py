# A small service-like program for pysample's end-to-end test and the demo
# (2.7 and 3.6+): a request loop whose handlers cost different amounts of
# CPU (parsing, rendering, searching), and a background thread that mostly
# sleeps, as an idle thread would in a real service.
#
#   python app.py [SECONDS]
import json
import re
import sys
import threading
import time

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu " * 40).split()
PATTERN = re.compile(r"(\w+)a\b")


class Handler(object):
    def parse(self, payload):
        return json.loads(payload)

    def render(self, data):
        return json.dumps({"items": [dict(d, rank=i) for i, d in enumerate(data["items"])]})

    def search(self, text):
        return len(PATTERN.findall(text))

    def handle(self, payload):
        data = self.parse(payload)
        self.render(data)
        self.search(" ".join(WORDS))


def housekeeping(stop):
    while not stop.is_set():
        time.sleep(0.05)


def serve(seconds):
    payload = json.dumps({"items": [{"id": i, "name": "item%d" % i} for i in range(200)]})
    handler = Handler()
    until = time.time() + seconds
    served = 0
    while time.time() < until:
        handler.handle(payload)
        served += 1
    return served


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    stop = threading.Event()
    t = threading.Thread(target=housekeeping, args=(stop,))
    t.start()
    served = serve(seconds)
    stop.set()
    t.join()
    sys.stderr.write("app: served %d requests\n" % served)


if __name__ == "__main__":
    main()
