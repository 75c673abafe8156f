// Keeping the CPUs of stopped threads busy for the length of a stop.
//
// A thread stopped by PTRACE_INTERRUPT leaves its CPU with nothing to run, so
// the CPU goes idle: on a virtual machine the virtual CPU halts and its host
// runs something else, and the target's thread comes back to caches and
// branch predictors that are no longer its own. Measured on a 2-CPU KVM
// guest, that costs a CPU-bound interpreter more than the stop itself
// (sampling at 100 Hz: 2.1-2.7% slower with idle CPUs, 0-0.9% with busy ones).
// A filler is a thread of pysample's, pinned to one CPU and scheduled
// SCHED_IDLE (it runs only when nothing else wants that CPU, and any woken
// thread displaces it at once), that spins from hold() to release().
#pragma once
#include <vector>

namespace filler {

/** Before a stop: wakes a filler on each CPU (made the first time a CPU is named). */
void hold(const std::vector<int>& cpus) noexcept;

/** After the resume: every filler goes back to sleep. */
void release() noexcept;

}  // namespace filler
