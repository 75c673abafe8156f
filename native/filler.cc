#include "filler.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <unordered_map>

namespace filler {
namespace {

struct Filler {
  std::atomic<int> spin{0};  // the futex word: 1 from hold() to release()
  bool usable = false;       // pinned and SCHED_IDLE; else never woken
};

// By CPU; made on first use and kept for the life of the process (their
// threads sleep in the kernel between stops).
std::unordered_map<int, std::unique_ptr<Filler>> fillers;

void futex_wait(std::atomic<int>* word, int value) noexcept {
  syscall(SYS_futex, reinterpret_cast<int*>(word), FUTEX_WAIT_PRIVATE, value, nullptr, nullptr, 0);
}

void futex_wake(std::atomic<int>* word) noexcept {
  syscall(SYS_futex, reinterpret_cast<int*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

struct Start {
  Filler* filler;
  int cpu;
  std::atomic<int> ready{0};  // 1 usable, 2 not
};

void* run(void* arg) {
  Start* start = static_cast<Start*>(arg);
  Filler* f = start->filler;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(start->cpu, &set);
  sched_param idle{};
  bool ok = sched_setaffinity(0, sizeof set, &set) == 0 && sched_setscheduler(0, SCHED_IDLE, &idle) == 0;
  start->ready.store(ok ? 1 : 2, std::memory_order_release);
  futex_wake(&start->ready);
  if (!ok) return nullptr;
  for (;;) {
    while (f->spin.load(std::memory_order_acquire) == 0) futex_wait(&f->spin, 0);
    while (f->spin.load(std::memory_order_relaxed) == 1) __builtin_ia32_pause();
  }
}

Filler* make(int cpu) noexcept {
  auto f = std::make_unique<Filler>();
  Start start{f.get(), cpu};
  // Signals for the process are never delivered to a filler (it blocks them all).
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t thread;
  bool made = pthread_create(&thread, &attr, run, &start) == 0;
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (made) {
    while (start.ready.load(std::memory_order_acquire) == 0) futex_wait(&start.ready, 0);
    f->usable = start.ready.load() == 1;
  }
  Filler* raw = f.get();
  fillers[cpu] = std::move(f);
  return raw;
}

}  // namespace

void hold(const std::vector<int>& cpus) noexcept {
  for (int cpu : cpus) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) continue;
    auto it = fillers.find(cpu);
    Filler* f = it == fillers.end() ? make(cpu) : it->second.get();
    if (!f->usable || f->spin.load(std::memory_order_relaxed) == 1) continue;
    f->spin.store(1, std::memory_order_release);
    futex_wake(&f->spin);
  }
}

void release() noexcept {
  for (auto& [cpu, f] : fillers) f->spin.store(0, std::memory_order_release);
}

}  // namespace filler
