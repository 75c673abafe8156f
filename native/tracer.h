// Stopping and resuming a target's threads with ptrace, and nothing else.
//
// Each sample seizes the threads it needs (PTRACE_SEIZE), stops them with
// PTRACE_INTERRUPT (never SIGSTOP), waits for the stops and detaches right
// after the memory has been read. Between samples the target is not traced
// at all, so a signal sent to it is delivered normally, and a pysample that
// dies (even by SIGKILL) leaves threads the kernel resumes by itself.
#pragma once
#include <sys/types.h>
#include <vector>

namespace tracer {

/** What happened to one thread asked to stop. */
enum Outcome : int {
  kStopped = 0,  // in a ptrace-stop: safe to read, must be resumed
  kExited = 1,   // the thread exited while being stopped
  kLate = 2,     // seized, but not stopped before the deadline (resumed when it stops)
  // negative values: -errno from PTRACE_SEIZE (-ESRCH gone, -EPERM denied, ...)
};

/**
 * Seizes and interrupts every tid, then waits until each has stopped or the
 * deadline (CLOCK_MONOTONIC nanoseconds) has passed. The exit of
 * `keep_exit_of` (a child whose status belongs to someone else, e.g. libuv)
 * is observed but never reaped. Fills outcomes (same order as tids).
 */
void stop(const std::vector<pid_t>& tids, long long deadline_ns, pid_t keep_exit_of,
          std::vector<int>& outcomes) noexcept;

/**
 * Detaches every stopped thread, handing back any signal that arrived while it
 * was stopped; then waits until the deadline (CLOCK_MONOTONIC nanoseconds) for
 * late threads to stop, detaching each the moment it does. Never fails.
 * Returns the number of threads still attached (late and not yet stopped:
 * they are let go by a later call, or by the kernel when pysample exits).
 */
int resume(pid_t keep_exit_of, long long deadline_ns) noexcept;

/** Threads attached now (stopped or late). */
int attached() noexcept;

}  // namespace tracer
