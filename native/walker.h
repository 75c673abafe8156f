// Walking a CPython interpreter's threads and frame chains in one call, while
// the target is stopped. The walker knows no Python version: every offset and
// rule comes from TypeScript as a Plan (src/sample/python/walk.ts builds it
// from the layout tables or from the target's _Py_DebugOffsets). It copies
// only addresses and numbers; strings and line numbers are decoded later in
// TypeScript, after the target has been resumed.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <memory>
#include <vector>

#include "reader.h"

namespace walker {

class Batch;

/** Where a Plan's optional offsets are absent. */
constexpr int64_t kNone = -1;

struct Plan {
  uint64_t interp = 0;  // the first PyInterpreterState
  // The GIL holder: none known, a PyThreadState* at gil_addr (2.7 to 3.11), or the
  // _gil_runtime_state at gil_addr whose last_holder counts only while locked (3.12+).
  enum class Gil { kNone, kPointer, kState } gil = Gil::kNone;
  uint64_t gil_addr = 0;
  int64_t gil_locked = 0, gil_last_holder = 0;
  // PyInterpreterState
  int64_t interp_next = 0, interp_threads = 0;
  // PyThreadState: how much is copied, and where the fields are in the copy.
  int64_t ts_span = 0, ts_next = 0, ts_interp = 0, ts_thread_id = 0;
  int64_t ts_native_tid = kNone;  // native_thread_id (3.8+ has it; absent before)
  int64_t pthread_tid = kNone;    // else: offset of the tid in struct pthread, when learned
  int64_t ts_frame = 0;
  // ts_frame holds the innermost frame itself, a _PyCFrame* whose current_frame
  // (at cframe_current) is (3.11, 3.12), or the current _PyInterpreterFrame* (3.13+).
  enum class Via { kFrame, kCFrame, kCurrent } via = Via::kFrame;
  int64_t cframe_current = 0;
  int64_t ts_chunk = kNone, ts_top = kNone;  // datastack_chunk / datastack_top (3.11+)
  // Frames: PyFrameObject chains (up to 3.10) or _PyInterpreterFrame chains (3.11+).
  enum class Kind { kObject, kInterpreter } kind = Kind::kObject;
  int64_t frame_span = 0, f_back = 0, f_code = 0, f_instr = 0;
  int64_t lasti_unit = 1;  // PyFrameObject.f_lasti counts this many bytes per unit
  int64_t f_owner = kNone;
  int64_t owner_generator = 1;
  uint32_t skip_owners = 0;  // bit n set: frames owned by n are not Python frames
  int64_t tag_bits = 0;      // low bits cleared from f_executable (3.14 stack refs)
  // Bounds: a corrupt or changing target can make any chain endless.
  int64_t max_threads = 4096, max_frames = 4096, max_interps = 64, max_stack_copy = 256 * 1024;
};

/** Why a thread's list or frame chain was cut; the names are exported to TypeScript in this order. */
enum Error : int {
  kOk = 0,
  kTooManyThreads,
  kBadThreadPointer,
  kThreadListLoops,
  kThreadUnreadable,
  kOtherInterpreter,
  kTooManyFrames,
  kBadFramePointer,
  kFrameChainLoops,
  kFrameUnreadable,
  kBadCFramePointer,
  kCFrameUnreadable,
  kErrorCount
};
extern const char* const kErrorNames[kErrorCount];

/**
 * The output, a flat array of doubles (exact for addresses below 2^53):
 *   [threads, reads, then per thread: tstate, thread_id, tid (-1 unknown),
 *    flags (1 holds the GIL, 2 frames left for later), error, error address,
 *    frame count, then per frame: code address, instruction, flags (1 generator)]
 * Frames are innermost first. A thread's tid is the one the target sees (its
 * PID namespace).
 */
constexpr size_t kHeader = 2;
constexpr size_t kThreadFields = 7;
constexpr size_t kFrameFields = 3;
constexpr double kHoldsGil = 1, kPending = 2;
constexpr double kGenerator = 1;

/** What walk() and walk_threads() return besides the count of doubles written. */
constexpr long kUnreadable = -1;  // the first interpreter's thread list cannot be read
constexpr long kOutputFull = -2;  // out is too small: call again with a larger one

class Walker {
 public:
  explicit Walker(const Plan& plan);
  ~Walker();

  /**
   * Every thread of every interpreter. With `running` (tids as the target sees
   * them, sorted), only the frames of those threads and of threads whose tid is
   * unknown are walked; the others are marked pending for walk_threads().
   */
  long walk(Reader& mem, const int32_t* running, size_t n_running, bool all, double* out, size_t cap) noexcept;

  /** The frames of the given thread states (the pending ones of an earlier walk), in order. */
  long walk_threads(Reader& mem, const double* tstates, size_t n, double* out, size_t cap) noexcept;

 private:
  struct Out;
  uint64_t gil_holder(Reader& mem) noexcept;
  uint64_t thread(Reader& mem, uint64_t addr, uint64_t interp, uint64_t holder, const int32_t* running,
                  size_t n_running, bool all, Out& out, bool& unreadable) noexcept;
  void thread_frames(Reader& mem, const char* ts, Out& out, size_t at) noexcept;
  Error frames(Reader& mem, const char* ts, Out& out, uint64_t& where) noexcept;
  Error object_frames(Reader& mem, uint64_t first, Out& out, uint64_t& where) noexcept;
  Error interpreter_frames(Reader& mem, uint64_t first, Out& out, uint64_t& where) noexcept;
  const char* frame_at(Reader& mem, uint64_t addr) noexcept;
  template <class Bytes, class Step>
  Error chain(uint64_t first, Bytes bytes, Step step, uint64_t& where) noexcept;

  /** Addresses seen in one chain, to cut loops at once (no clearing: entries carry a generation). */
  class Seen {
   public:
    explicit Seen(size_t bound);
    void reset() noexcept { gen_++; }
    /** False if addr was already seen since the last reset. */
    bool insert(uint64_t addr) noexcept;

   private:
    size_t bound_;
    std::vector<uint64_t> keys_;
    std::vector<uint32_t> gens_;
    uint32_t gen_ = 1;
    size_t mask_ = 0;
  };

  Plan plan_;
  std::unique_ptr<Batch> batch_;  // walk() reads through it; walk_threads() directly
  Seen seen_threads_, seen_frames_;
  std::vector<char> interp_, ts_, frame_, stack_, pages_;
  std::vector<uint64_t> page_addrs_;
};

}  // namespace walker
