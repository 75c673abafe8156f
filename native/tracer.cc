#include "tracer.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#include <unordered_map>

namespace tracer {
namespace {

enum class State { kRunning, kStopped };

struct Tracee {
  State state;
  int signal;  // a signal caught in signal-delivery-stop, re-injected at detach
};

// Every thread this process is attached to right now.
std::unordered_map<pid_t, Tracee> tracees;

long long now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

enum class Poll { kNothing, kStopped, kExited };

// Looks at one tracee's pending wait status without blocking. A stop is
// consumed; an exit is consumed too unless it belongs to keep_exit_of, whose
// parent (this process's libuv) must be the one to reap it.
Poll poll_one(pid_t tid, pid_t keep_exit_of, Tracee& t) noexcept {
  siginfo_t info{};
  int r;
  do {
    r = waitid(P_PID, tid, &info, WEXITED | WSTOPPED | __WALL | WNOHANG | WNOWAIT);
  } while (r == -1 && errno == EINTR);
  if (r == -1) return errno == ECHILD ? Poll::kExited : Poll::kNothing;
  if (info.si_pid == 0) return Poll::kNothing;
  bool exited = info.si_code == CLD_EXITED || info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  if (exited && tid == keep_exit_of) return Poll::kExited;
  int status = 0;
  pid_t w;
  do {
    w = waitpid(tid, &status, __WALL | WNOHANG);
  } while (w == -1 && errno == EINTR);
  if (w != tid) return w == -1 ? Poll::kExited : Poll::kNothing;
  if (WIFEXITED(status) || WIFSIGNALED(status)) return Poll::kExited;
  if (WIFSTOPPED(status)) {
    int event = status >> 16;
    int sig = WSTOPSIG(status);
    // Without options the only non-event stop is a signal-delivery-stop: keep
    // the signal so the detach delivers it. Event stops (our interrupt, or a
    // group-stop someone else caused) carry nothing to re-inject.
    if (event == 0 && sig != SIGTRAP) t.signal = sig;
    return Poll::kStopped;
  }
  return Poll::kNothing;
}

void pause_briefly(int round) noexcept {
  if (round < 64) {
    sched_yield();
  } else {
    timespec ts{0, 20000};  // 20 µs: leave the CPU to the threads we wait for
    nanosleep(&ts, nullptr);
  }
}

}  // namespace

void stop(const std::vector<pid_t>& tids, long long deadline_ns, pid_t keep_exit_of,
          std::vector<int>& outcomes) noexcept {
  outcomes.assign(tids.size(), kLate);
  for (size_t i = 0; i < tids.size(); i++) {
    pid_t tid = tids[i];
    if (tracees.count(tid)) {  // still attached from an earlier, late stop
      if (tracees[tid].state == State::kStopped) outcomes[i] = kStopped;
      continue;
    }
    if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) == -1) {
      outcomes[i] = -errno;
      continue;
    }
    tracees[tid] = Tracee{State::kRunning, 0};
    if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) == -1) {
      // Only ESRCH is possible here: the thread is already dying; its exit is reaped below.
    }
  }
  for (int round = 0;; round++) {
    bool waiting = false;
    for (size_t i = 0; i < tids.size(); i++) {
      if (outcomes[i] != kLate) continue;
      auto it = tracees.find(tids[i]);
      if (it == tracees.end()) continue;
      Poll p = poll_one(tids[i], keep_exit_of, it->second);
      if (p == Poll::kStopped) {
        it->second.state = State::kStopped;
        outcomes[i] = kStopped;
      } else if (p == Poll::kExited) {
        tracees.erase(it);
        outcomes[i] = kExited;
      } else {
        waiting = true;
      }
    }
    if (!waiting || now_ns() >= deadline_ns) break;
    pause_briefly(round);
  }
}

int resume(pid_t keep_exit_of) noexcept {
  for (auto it = tracees.begin(); it != tracees.end();) {
    pid_t tid = it->first;
    Tracee& t = it->second;
    if (t.state == State::kRunning) {
      Poll p = poll_one(tid, keep_exit_of, t);
      if (p == Poll::kExited) {
        it = tracees.erase(it);
        continue;
      }
      if (p == Poll::kStopped) t.state = State::kStopped;
    }
    if (t.state == State::kStopped) {
      // ESRCH means the thread died while stopped (SIGKILL); nothing to resume.
      ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(t.signal)));
      it = tracees.erase(it);
      continue;
    }
    ++it;
  }
  return static_cast<int>(tracees.size());
}

int attached() noexcept { return static_cast<int>(tracees.size()); }

}  // namespace tracer
