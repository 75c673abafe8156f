#include "walker.h"

#include <string.h>

#include <algorithm>

#include "batch.h"

namespace walker {

const char* const kErrorNames[kErrorCount] = {
    "ok",
    "too-many-threads",
    "bad-thread-pointer",
    "thread-list-loops",
    "thread-unreadable",
    "other-interpreter",
    "too-many-frames",
    "bad-frame-pointer",
    "frame-chain-loops",
    "frame-unreadable",
    "bad-cframe-pointer",
    "cframe-unreadable",
};

namespace {

constexpr uint64_t kMaxAddr = 1ULL << 47;  // top of x86_64 user space
constexpr uint64_t kPage = 4096;
/** Frames outside a copy: whole pages are read, at most this many per chain. */
constexpr size_t kMaxPages = 64;
/** A data-stack chunk larger than this is not a chunk. */
constexpr uint64_t kMaxChunk = 16 * 1024 * 1024;

uint64_t u64(const char* b, int64_t off) noexcept {
  uint64_t v;
  memcpy(&v, b + off, 8);
  return v;
}

int32_t i32(const char* b, int64_t off) noexcept {
  int32_t v;
  memcpy(&v, b + off, 4);
  return v;
}

/** A plausible user-space object pointer: non-null, 8-aligned, below 2^47. */
bool is_ptr(uint64_t p) noexcept { return p >= kPage && p < kMaxAddr && p % 8 == 0; }

}  // namespace

/** The output array; once full it takes nothing more and the walk reports kOutputFull. */
struct Walker::Out {
  double* d;
  size_t cap;
  size_t n = kHeader;
  size_t threads = 0;
  bool full = false;

  Out(double* d_, size_t cap_) : d(d_), cap(cap_) {
    if (cap < kHeader) full = true;
  }
  void push(double x) noexcept {
    if (n < cap) d[n++] = x;
    else full = true;
  }
  /** Starts a thread record; returns its index (its fields are set later). */
  size_t thread(uint64_t tstate, uint64_t thread_id, double tid, double flags) noexcept {
    size_t at = n;
    push(static_cast<double>(tstate));
    push(static_cast<double>(thread_id));
    push(tid);
    push(flags);
    push(kOk);
    push(0);
    push(0);
    threads++;
    return at;
  }
  void set(size_t at, size_t field, double x) noexcept {
    if (at + field < n) d[at + field] = x;
  }
  /** Why the thread record at `at` was cut, and where. */
  void fail(size_t at, Error why, uint64_t where) noexcept {
    set(at, 4, why);
    set(at, 5, static_cast<double>(where));
  }
  long finish(const Reader& mem) noexcept {
    if (full) return kOutputFull;
    d[0] = static_cast<double>(threads);
    d[1] = static_cast<double>(mem.reads);
    return static_cast<long>(n);
  }
};

Walker::Seen::Seen(size_t bound) : bound_(bound) {}

bool Walker::Seen::insert(uint64_t addr) noexcept {
  if (keys_.empty()) {  // made at first use: the interpreter scan makes walkers it never uses much
    size_t size = 16;
    while (size < 2 * bound_) size <<= 1;
    keys_.assign(size, 0);
    gens_.assign(size, 0);
    mask_ = size - 1;
  }
  if (gen_ == 0) {  // the generation wrapped: forget every entry for real, once
    std::fill(gens_.begin(), gens_.end(), 0);
    gen_ = 1;
  }
  size_t i = static_cast<size_t>(((addr >> 3) * 0x9E3779B97F4A7C15ULL) >> 20) & mask_;
  for (;; i = (i + 1) & mask_) {
    if (gens_[i] != gen_) {
      gens_[i] = gen_;
      keys_[i] = addr;
      return true;
    }
    if (keys_[i] == addr) return false;
  }
}

Walker::~Walker() = default;

Walker::Walker(const Plan& plan)
    : plan_(plan),
      batch_(std::make_unique<Batch>()),
      seen_threads_(static_cast<size_t>(std::max<int64_t>(plan.max_threads, 1)) + 1),
      seen_frames_(static_cast<size_t>(std::max<int64_t>(plan.max_frames, 1)) + 1),
      ts_(static_cast<size_t>(plan.ts_span)),
      frame_(static_cast<size_t>(plan.frame_span)) {}

uint64_t Walker::gil_holder(Reader& mem) noexcept {
  const Plan& p = plan_;
  if (p.gil == Plan::Gil::kPointer) {
    uint64_t holder;
    return mem.read(p.gil_addr, &holder, 8) ? holder : 0;
  }
  if (p.gil == Plan::Gil::kState) {
    char b[256];
    int64_t len = std::max(p.gil_locked + 4, p.gil_last_holder + 8);
    if (len > static_cast<int64_t>(sizeof b) || !mem.read(p.gil_addr, b, static_cast<size_t>(len))) return 0;
    // last_holder stays set after a release: only a locked GIL has a holder.
    return i32(b, p.gil_locked) != 0 ? u64(b, p.gil_last_holder) : 0;
  }
  return 0;
}

long Walker::walk(Reader& direct, const int32_t* running, size_t n_running, bool all, double* d, size_t cap) noexcept {
  const Plan& p = plan_;
  struct Reading {  // the walk reads through the batch, which must not outlive this call's reader
    Batch& b;
    Reading(Batch& b_, Reader& r) : b(b_) { b.begin(r); }
    ~Reading() { b.end(); }
  } reading(*batch_, direct);
  Reader& mem = *batch_;
  Out out(d, cap);
  uint64_t holder = gil_holder(mem);
  // next and the thread list head are read together (adjacent enough in every version).
  int64_t lo = std::min(p.interp_next, p.interp_threads);
  size_t span = static_cast<size_t>(std::max(p.interp_next, p.interp_threads) + 8 - lo);
  if (span > (1u << 21)) return kUnreadable;
  if (interp_.size() < span) interp_.resize(span);
  char* ib = interp_.data();
  uint64_t interps[64];
  size_t n_interps = 0;
  for (uint64_t interp = p.interp; interp != 0 && static_cast<int64_t>(n_interps) < p.max_interps && n_interps < 64;) {
    if (!is_ptr(interp) || std::find(interps, interps + n_interps, interp) != interps + n_interps) break;
    interps[n_interps++] = interp;
    if (!mem.read(interp + lo, ib, span)) {
      if (n_interps == 1) return kUnreadable;
      break;
    }
    seen_threads_.reset();
    for (uint64_t addr = u64(ib, p.interp_threads - lo); addr != 0;) {
      bool unreadable = false;
      addr = thread(mem, addr, interp, holder, running, n_running, all, out, unreadable);
      if (unreadable) return kUnreadable;
    }
    interp = u64(ib, p.interp_next - lo);
  }
  return out.finish(direct);
}

// One thread of an interpreter's list: its record, and its frames unless they
// are left for later. Returns the next thread state, 0 at the end of the list.
uint64_t Walker::thread(Reader& mem, uint64_t addr, uint64_t interp, uint64_t holder, const int32_t* running,
                        size_t n_running, bool all, Out& out, bool& unreadable) noexcept {
  const Plan& p = plan_;
  auto broken = [&](Error why, uint64_t where) -> uint64_t {
    out.fail(out.thread(addr, 0, -1, 0), why, where);
    return 0;
  };
  if (static_cast<int64_t>(out.threads) >= p.max_threads) return broken(kTooManyThreads, 0);
  if (!is_ptr(addr)) return broken(kBadThreadPointer, addr);
  if (!seen_threads_.insert(addr)) return broken(kThreadListLoops, 0);
  const char* ts = ts_.data();
  if (!mem.read(addr, ts_.data(), ts_.size())) {
    // The very first thread state unreadable: the process is gone, or this is no interpreter.
    if (out.threads == 0 && interp == p.interp) {
      unreadable = true;
      return 0;
    }
    return broken(kThreadUnreadable, addr);
  }
  if (u64(ts, p.ts_interp) != interp) return broken(kOtherInterpreter, 0);
  uint64_t thread_id = u64(ts, p.ts_thread_id);
  double tid = -1;
  if (p.ts_native_tid != kNone) {
    int64_t v = static_cast<int64_t>(u64(ts, p.ts_native_tid));
    if (v > 0 && v < (1LL << 31)) tid = static_cast<double>(v);
  } else if (p.pthread_tid != kNone && thread_id != 0) {
    int32_t v;
    if (mem.read(thread_id + static_cast<uint64_t>(p.pthread_tid), &v, 4) && v > 0) tid = v;
  }
  bool pending = !all && tid > 0 && !std::binary_search(running, running + n_running, static_cast<int32_t>(tid));
  double flags = (holder != 0 && holder == addr ? kHoldsGil : 0) + (pending ? kPending : 0);
  uint64_t next = u64(ts, p.ts_next);
  size_t at = out.thread(addr, thread_id, tid, flags);
  if (!pending) thread_frames(mem, ts, out, at);
  return next;
}

long Walker::walk_threads(Reader& mem, const double* tstates, size_t n, double* d, size_t cap) noexcept {
  Out out(d, cap);
  for (size_t i = 0; i < n; i++) {
    uint64_t addr = static_cast<uint64_t>(tstates[i]);
    if (!is_ptr(addr) || !mem.read(addr, ts_.data(), ts_.size())) {
      out.fail(out.thread(addr, 0, -1, 0), kThreadUnreadable, addr);
      continue;
    }
    const char* ts = ts_.data();
    thread_frames(mem, ts, out, out.thread(addr, u64(ts, plan_.ts_thread_id), -1, 0));
  }
  return out.finish(mem);
}

// A thread's frames after its record (at `at`), with their count and why they end.
void Walker::thread_frames(Reader& mem, const char* ts, Out& out, size_t at) noexcept {
  size_t before = out.n;
  uint64_t where = 0;
  Error why = frames(mem, ts, out, where);
  out.fail(at, why, where);
  out.set(at, 6, static_cast<double>((out.n - before) / kFrameFields));
}

Error Walker::frames(Reader& mem, const char* ts, Out& out, uint64_t& where) noexcept {
  const Plan& p = plan_;
  uint64_t first = u64(ts, p.ts_frame);
  if (p.via == Plan::Via::kCFrame && first != 0) {
    if (!is_ptr(first)) {
      where = first;
      return kBadCFramePointer;
    }
    if (!mem.read(first + static_cast<uint64_t>(p.cframe_current), &first, 8)) return kCFrameUnreadable;
  }
  if (first == 0) return kOk;
  if (p.kind == Plan::Kind::kObject) return object_frames(mem, first, out, where);
  return interpreter_frames(mem, first, out, where);
}

// A frame's bytes outside any copy: its whole page is read (a page is mapped
// entirely or not at all), so that the next frames, often allocated next to
// it, cost nothing; a frame that crosses a page end is read alone.
const char* Walker::frame_at(Reader& mem, uint64_t addr) noexcept {
  uint64_t page = addr - addr % kPage;
  if (addr + frame_.size() <= page + kPage) {
    auto it = std::find(page_addrs_.begin(), page_addrs_.end(), page);
    size_t slot = static_cast<size_t>(it - page_addrs_.begin());
    if (it == page_addrs_.end() && slot < kMaxPages) {
      if (pages_.size() < (slot + 1) * kPage) pages_.resize((slot + 1) * kPage);
      if (mem.read(page, pages_.data() + slot * kPage, kPage)) page_addrs_.push_back(page);
    }
    if (slot < page_addrs_.size()) return pages_.data() + slot * kPage + (addr - page);
  }
  return mem.read(addr, frame_.data(), frame_.size()) ? frame_.data() : nullptr;
}

// One frame chain from `first`: bounded, checked, and cut at the first frame
// seen twice. bytes(addr) gives a frame's bytes (nullptr: unreadable); step(b)
// records the frame and returns the next one's address.
template <class Bytes, class Step>
Error Walker::chain(uint64_t first, Bytes bytes, Step step, uint64_t& where) noexcept {
  seen_frames_.reset();
  page_addrs_.clear();
  for (uint64_t addr = first, n = 0; addr != 0; n++) {
    if (static_cast<int64_t>(n) >= plan_.max_frames) return kTooManyFrames;
    if (!is_ptr(addr)) {
      where = addr;
      return kBadFramePointer;
    }
    if (!seen_frames_.insert(addr)) return kFrameChainLoops;
    const char* b = bytes(addr);
    if (!b) {
      where = addr;
      return kFrameUnreadable;
    }
    addr = step(b);
  }
  return kOk;
}

// Up to 3.10: PyFrameObject -> f_back. Frame objects are separate heap objects,
// read through the page cache of frame_at().
Error Walker::object_frames(Reader& mem, uint64_t first, Out& out, uint64_t& where) noexcept {
  const Plan& p = plan_;
  return chain(
      first, [&](uint64_t addr) { return frame_at(mem, addr); },
      [&](const char* b) {
        out.push(static_cast<double>(u64(b, p.f_code)));
        out.push(static_cast<double>(i32(b, p.f_instr)) * static_cast<double>(p.lasti_unit));
        out.push(0);
        return u64(b, p.f_back);
      },
      where);
}

// 3.11+: _PyInterpreterFrame -> previous. The frames live in the thread's
// data-stack chunks: the innermost end of the current chunk is copied in one
// read and frames inside it are taken from the copy; frames in older chunks
// (deep recursion) and generators' frames through frame_at().
Error Walker::interpreter_frames(Reader& mem, uint64_t first, Out& out, uint64_t& where) noexcept {
  const Plan& p = plan_;
  const char* ts = ts_.data();
  uint64_t start = 0, len = 0;
  if (p.ts_chunk != kNone && p.ts_top != kNone) {
    uint64_t chunk = u64(ts, p.ts_chunk), top = u64(ts, p.ts_top);
    if (is_ptr(chunk) && top > chunk && top - chunk <= kMaxChunk) {
      start = std::max(chunk, top - std::min<uint64_t>(top, static_cast<uint64_t>(p.max_stack_copy)));
      len = top - start;
      if (stack_.size() < len) stack_.resize(len);
      if (!mem.read(start, stack_.data(), len)) len = 0;  // one read per frame instead
    }
  }
  uint64_t span = static_cast<uint64_t>(p.frame_span);
  uint64_t untag = p.tag_bits > 0 ? ~((1ULL << p.tag_bits) - 1) : ~0ULL;
  return chain(
      first,
      [&](uint64_t addr) -> const char* {
        if (len && addr >= start && addr - start <= len && span <= len - (addr - start)) {
          return stack_.data() + (addr - start);
        }
        return frame_at(mem, addr);
      },
      [&](const char* b) {
        uint8_t owner = static_cast<uint8_t>(b[p.f_owner]);
        if (!(owner < 32 && (p.skip_owners >> owner) & 1)) {
          out.push(static_cast<double>(u64(b, p.f_code) & untag));
          out.push(static_cast<double>(u64(b, p.f_instr)));
          out.push(owner == p.owner_generator ? kGenerator : 0);
        }
        return u64(b, p.f_back);
      },
      where);
}

}  // namespace walker
