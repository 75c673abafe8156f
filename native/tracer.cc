#include "tracer.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace tracer {
namespace {

long long now_ns() noexcept {  // CLOCK_MONOTONIC, as the deadline and the alarm
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// ---------------------------------------------------------------------------
// Bounded waiting. A running thread reaches its stop about 15 µs after the
// interrupt. pysample first polls for that long (kSpinNs at most per call,
// and only when it has a CPU of its own to poll on): a tracer asleep in
// waitid() adds its own wake-up to the time the target is stopped, up to
// 13 µs on a 2-CPU virtual machine. Then it blocks in waitid(): measured on
// the same machine, a tracer that polls for long (spinning or sched_yield)
// keeps the woken threads from reaching their stop and leaves stopped ones
// queued on their CPU, and then PTRACE_DETACH waits a whole scheduler tick
// (4 ms) for each of them. A timer aimed at the calling thread bounds the
// blocking wait: its signal (a free real-time signal, empty handler, no
// SA_RESTART) makes waitid return EINTR.

constexpr long long kSpinNs = 50 * 1000;

// Polling only helps when another CPU runs the thread being waited for.
bool can_spin() noexcept {
  static const bool yes = [] {
    cpu_set_t set;
    return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 1;
  }();
  return yes;
}

std::atomic<int> alarm_signal{0};

void on_alarm(int) {}

int alarm_signal_number() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int s = SIGRTMIN + 4; s <= SIGRTMAX - 4; s++) {
      struct sigaction old{};
      if (sigaction(s, nullptr, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
      struct sigaction sa{};
      sa.sa_handler = on_alarm;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = 0;  // no SA_RESTART: the wait must return
      if (sigaction(s, &sa, nullptr) == 0) {
        alarm_signal = s;
        return;
      }
    }
  });
  return alarm_signal;
}

/**
 * A one-shot timer that interrupts this thread's blocking calls at a deadline.
 * The POSIX timer is made once per calling thread (all calls come from Node's
 * main thread) and only armed and disarmed per use: two system calls.
 */
class Alarm {
 public:
  explicit Alarm(long long deadline_ns) noexcept {
    static thread_local timer_t timer;
    static thread_local bool made = false;
    if (!made) {
      int sig = alarm_signal_number();
      if (!sig) return;
      sigevent ev{};
      ev.sigev_notify = SIGEV_THREAD_ID;
      ev.sigev_signo = sig;
      ev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
      if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0) return;
      made = true;
    }
    timer_ = &timer;
    itimerspec when{};
    when.it_value.tv_sec = deadline_ns / 1000000000LL;
    when.it_value.tv_nsec = deadline_ns % 1000000000LL;
    armed_ = timer_settime(timer, TIMER_ABSTIME, &when, nullptr) == 0;
  }
  ~Alarm() {
    if (!armed_) return;
    itimerspec off{};
    timer_settime(*timer_, 0, &off, nullptr);
  }
  bool armed() const noexcept { return armed_; }

 private:
  timer_t* timer_ = nullptr;
  bool armed_ = false;
};

// ---------------------------------------------------------------------------
// Waiting for one thread.

enum class Poll { kNothing, kStopped, kExited };

// Looks at one tracee's pending wait status; blocks (until the alarm) if asked.
// A stop is consumed; an exit is consumed too unless it belongs to
// keep_exit_of, whose parent (Node's libuv) must be the one to reap it.
Poll poll_one(pid_t tid, pid_t keep_exit_of, bool block, int& signal) noexcept {
  siginfo_t info{};
  int flags = WEXITED | WSTOPPED | __WALL | WNOWAIT | (block ? 0 : WNOHANG);
  if (waitid(P_PID, tid, &info, flags) == -1) return errno == ECHILD ? Poll::kExited : Poll::kNothing;
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
  if (!WIFSTOPPED(status)) return Poll::kNothing;
  // Any stop will do: our interrupt, a group-stop someone else caused (both
  // PTRACE_EVENT_STOP), or a signal-delivery-stop, whose signal must be handed
  // back at the detach or it would be lost. Without options there are no
  // other stops (no syscall stops, no exec SIGTRAP after PTRACE_SEIZE).
  if ((status >> 16) == 0) signal = WSTOPSIG(status);
  return Poll::kStopped;
}

struct Tracee {
  bool stopped = false;
  int signal = 0;  // caught in a signal-delivery-stop, re-injected at the detach
};

// Every thread this process is attached to right now. A thread that did not
// stop in time stays attached (its interrupt pending) and is detached as soon
// as it stops.
std::unordered_map<pid_t, Tracee> tracees;

}  // namespace

void stop(const std::vector<pid_t>& tids, long long deadline_ns, pid_t keep_exit_of,
          std::vector<int>& outcomes) noexcept {
  outcomes.assign(tids.size(), kLate);
  for (size_t i = 0; i < tids.size(); i++) {
    pid_t tid = tids[i];
    if (tracees.count(tid)) continue;  // still attached from an earlier, late stop
    if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) == -1) {
      outcomes[i] = -errno;
      continue;
    }
    tracees[tid] = Tracee{};
    // Only ESRCH can fail here (the thread is dying); its exit is reaped below.
    ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
  }
  // The alarm is armed only once a wait has to block: arming and disarming a
  // timer adds about 13 µs to each stop on a virtual machine, where each
  // reprograms the virtual CPU's timer, and the polling usually sees the stop first.
  std::optional<Alarm> alarm;
  bool can_block = true;  // without the alarm a blocking wait could last forever
  long long spin_until = can_spin() ? std::min(now_ns() + kSpinNs, deadline_ns) : 0;
  for (size_t i = 0; i < tids.size(); i++) {
    auto it = tracees.find(tids[i]);
    if (it == tracees.end()) continue;
    Tracee& t = it->second;
    Poll p = Poll::kNothing;
    while (!t.stopped) {
      long long now = now_ns();
      bool spin = now < spin_until;
      bool block = !spin && can_block && now < deadline_ns;
      if (block && !alarm) {
        alarm.emplace(deadline_ns);
        block = can_block = alarm->armed();
      }
      errno = 0;
      p = poll_one(tids[i], keep_exit_of, block, t.signal);
      if (p == Poll::kStopped) t.stopped = true;
      if (p != Poll::kNothing) break;
      if (spin) continue;
      if (!block) break;
      if (errno == EINTR) can_block = false;  // the alarm rang: the rest stay late
    }
    if (p == Poll::kExited) {
      tracees.erase(it);
      outcomes[i] = kExited;
    } else if (t.stopped) {
      outcomes[i] = kStopped;
    }
  }
}

namespace {

void detach(pid_t tid, const Tracee& t) noexcept {
  // ESRCH: the thread died while stopped (SIGKILL); nothing to resume.
  ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(t.signal)));
}

}  // namespace

int resume(pid_t keep_exit_of, long long deadline_ns) noexcept {
  // The stopped threads first: they are what the target is waiting for.
  for (auto it = tracees.begin(); it != tracees.end();) {
    if (it->second.stopped) {
      detach(it->first, it->second);
      it = tracees.erase(it);
    } else {
      ++it;
    }
  }
  if (tracees.empty()) return 0;
  // Threads that had not stopped (waiting for a CPU on a busy machine, or in
  // an uninterruptible sleep) stop as soon as they run; wait for that and let
  // each go at once, rather than leave it stopped until the next sample.
  Alarm alarm(deadline_ns);
  bool can_block = alarm.armed();
  for (auto it = tracees.begin(); it != tracees.end();) {
    Tracee& t = it->second;
    Poll p = Poll::kNothing;
    for (;;) {
      bool block = can_block && now_ns() < deadline_ns;
      errno = 0;
      p = poll_one(it->first, keep_exit_of, block, t.signal);
      if (p != Poll::kNothing || !block) break;
      if (errno == EINTR) can_block = false;
    }
    if (p == Poll::kStopped) detach(it->first, t);
    if (p != Poll::kNothing) {
      it = tracees.erase(it);
    } else {
      ++it;
    }
  }
  return static_cast<int>(tracees.size());
}

int attached() noexcept { return static_cast<int>(tracees.size()); }

}  // namespace tracer
