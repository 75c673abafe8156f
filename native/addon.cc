// The N-API surface of the addon: argument checks and conversions only. The
// kernel work is in tracer.cc (ptrace) and memory.cc (process_vm_readv), the
// stack walk in walker.cc; all knowledge of Python versions lives in
// TypeScript and reaches the walker as a plan. src/sample/native.ts types this.
#include <napi.h>
#include <time.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "memory.h"
#include "tracer.h"
#include "walker.h"

namespace {

bool usage(const Napi::CallbackInfo& info, bool ok, const char* text) {
  if (!ok) Napi::TypeError::New(info.Env(), text).ThrowAsJavaScriptException();
  return ok;
}

long long monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// resume(keepExitOf: number, lateWaitMs: number): number of threads still attached
Napi::Value Resume(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usage(info, info.Length() == 2 && info[0].IsNumber() && info[1].IsNumber(),
             "Usage: resume(keepExitOf: number, lateWaitMs: number)"))
    return env.Null();
  long long deadline = monotonic_ns() + static_cast<long long>(info[1].As<Napi::Number>().DoubleValue() * 1e6);
  return Napi::Number::New(env, tracer::resume(info[0].As<Napi::Number>().Int32Value(), deadline));
}

// attached(): number of threads attached now
Napi::Value Attached(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tracer::attached());
}

// readInto(pid: number, addr: number, buf: Buffer, len: number): len or -errno
Napi::Value ReadInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usage(info,
             info.Length() == 4 && info[0].IsNumber() && info[1].IsNumber() && info[2].IsBuffer() &&
                 info[3].IsNumber(),
             "Usage: readInto(pid: number, addr: number, buf: Buffer, len: number)"))
    return env.Null();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  double addr = info[1].As<Napi::Number>().DoubleValue();
  Napi::Buffer<char> buf = info[2].As<Napi::Buffer<char>>();
  double len = info[3].As<Napi::Number>().DoubleValue();
  if (!usage(info, addr >= 0 && addr < 9007199254740992.0 && len >= 0 && len <= buf.Length(),
             "readInto: address must be a non-negative safe integer and len fit the buffer"))
    return env.Null();
  long r = memory::read(pid, static_cast<unsigned long>(addr), buf.Data(), static_cast<size_t>(len));
  return Napi::Number::New(env, static_cast<double>(r));
}

// walker(plan: object): an opaque walker. Every field is a number; see walker.h's Plan.
Napi::Value NewWalker(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usage(info, info.Length() == 1 && info[0].IsObject(), "Usage: walker(plan: object)")) return env.Null();
  Napi::Object o = info[0].As<Napi::Object>();
  bool ok = true;
  std::string missing;
  auto num = [&](const char* name, int64_t fallback, bool required) -> int64_t {
    Napi::Value v = o.Get(name);
    if (v.IsNumber()) return v.As<Napi::Number>().Int64Value();
    if (required && ok) {
      ok = false;
      missing = name;
    }
    return fallback;
  };
  walker::Plan p;
  p.interp = static_cast<uint64_t>(num("interp", 0, true));
  p.gil = static_cast<walker::Plan::Gil>(std::clamp<int64_t>(num("gil", 0, true), 0, 2));
  p.gil_addr = static_cast<uint64_t>(num("gilAddr", 0, false));
  p.gil_locked = num("gilLocked", 0, false);
  p.gil_last_holder = num("gilLastHolder", 0, false);
  p.interp_next = num("interpNext", 0, true);
  p.interp_threads = num("interpThreads", 0, true);
  p.ts_span = num("tsSpan", 0, true);
  p.ts_next = num("tsNext", 0, true);
  p.ts_interp = num("tsInterp", 0, true);
  p.ts_thread_id = num("tsThreadId", 0, true);
  p.ts_native_tid = num("tsNativeTid", walker::kNone, false);
  p.pthread_tid = num("pthreadTid", walker::kNone, false);
  p.ts_frame = num("tsFrame", 0, true);
  p.via = static_cast<walker::Plan::Via>(std::clamp<int64_t>(num("via", 0, true), 0, 2));
  p.cframe_current = num("cframeCurrent", 0, false);
  p.ts_chunk = num("tsChunk", walker::kNone, false);
  p.ts_top = num("tsTop", walker::kNone, false);
  p.kind = static_cast<walker::Plan::Kind>(std::clamp<int64_t>(num("kind", 0, true), 0, 1));
  p.frame_span = num("frameSpan", 0, true);
  p.f_back = num("back", 0, true);
  p.f_code = num("code", 0, true);
  p.f_instr = num("instr", 0, true);
  p.lasti_unit = num("lastiUnit", 1, false);
  p.f_owner = num("owner", walker::kNone, false);
  p.owner_generator = num("ownerGenerator", 1, false);
  p.skip_owners = static_cast<uint32_t>(num("skipOwners", 0, false));
  p.tag_bits = num("tagBits", 0, false);
  p.max_threads = num("maxThreads", p.max_threads, false);
  p.max_frames = num("maxFrames", p.max_frames, false);
  p.max_interps = num("maxInterps", p.max_interps, false);
  p.max_stack_copy = num("maxStackCopy", p.max_stack_copy, false);
  if (!usage(info, ok, ("walker: plan." + missing + " must be a number").c_str())) return env.Null();
  // Every offset must leave its field inside what is copied, so no read goes past a buffer.
  auto within = [](int64_t off, int64_t size, int64_t span) { return off >= 0 && off + size <= span; };
  bool fits = p.ts_span > 0 && p.ts_span <= (1 << 20) && within(p.ts_next, 8, p.ts_span) &&
              within(p.ts_interp, 8, p.ts_span) && within(p.ts_thread_id, 8, p.ts_span) &&
              within(p.ts_frame, 8, p.ts_span) &&
              (p.ts_native_tid == walker::kNone || within(p.ts_native_tid, 8, p.ts_span)) &&
              (p.ts_chunk == walker::kNone || within(p.ts_chunk, 8, p.ts_span)) &&
              (p.ts_top == walker::kNone || within(p.ts_top, 8, p.ts_span)) && p.frame_span > 0 &&
              p.frame_span <= 4096 && within(p.f_back, 8, p.frame_span) && within(p.f_code, 8, p.frame_span) &&
              within(p.f_instr, p.kind == walker::Plan::Kind::kObject ? 4 : 8, p.frame_span) &&
              (p.kind == walker::Plan::Kind::kObject || within(p.f_owner, 1, p.frame_span)) &&
              p.interp_next >= 0 && p.interp_threads >= 0 && p.cframe_current >= 0 && p.gil_locked >= 0 &&
              p.gil_last_holder >= 0 && p.pthread_tid >= walker::kNone && p.tag_bits >= 0 && p.tag_bits < 16 &&
              p.max_threads > 0 && p.max_threads <= (1 << 16) && p.max_frames > 0 && p.max_frames <= (1 << 16) &&
              p.max_stack_copy >= 0 && p.max_stack_copy <= (16 << 20);
  if (!usage(info, fits, "walker: an offset of the plan falls outside its struct's span, or a bound is out of range"))
    return env.Null();
  auto* w = new walker::Walker(p);
  return Napi::External<walker::Walker>::New(env, w, [](Napi::Env, walker::Walker* x) { delete x; });
}

// The memory to walk: a pid, or an array of {addr: number, bytes: Buffer} regions.
std::unique_ptr<walker::Reader> reader_for(const Napi::Value& v) {
  if (v.IsNumber()) return std::make_unique<walker::ProcessReader>(v.As<Napi::Number>().Int32Value());
  if (!v.IsArray()) return nullptr;
  Napi::Array a = v.As<Napi::Array>();
  std::vector<walker::ImageReader::Region> regions;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsObject()) return nullptr;
    Napi::Value addr = e.As<Napi::Object>().Get("addr");
    Napi::Value bytes = e.As<Napi::Object>().Get("bytes");
    if (!addr.IsNumber() || !bytes.IsBuffer()) return nullptr;
    Napi::Buffer<char> b = bytes.As<Napi::Buffer<char>>();
    regions.push_back({static_cast<uint64_t>(addr.As<Napi::Number>().Int64Value()), b.Data(), b.Length()});
  }
  return std::make_unique<walker::ImageReader>(std::move(regions));
}

bool is_f64(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array;
}

bool is_i32(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array;
}

// The threads a walk stops first and resumes right after, when one is given.
struct StopRequest {
  std::vector<pid_t> tids;
  Napi::Int32Array outcomes;
  Napi::Float64Array held;
  long long timeout_ns = 0;
  pid_t keep_exit_of = 0;
  long long late_wait_ns = 0;
};

// {tids: Int32Array, outcomes: Int32Array (at least as long), held: Float64Array (1 or more),
//  timeoutMs, keepExitOf, lateWaitMs}
bool read_stop(const Napi::Value& v, StopRequest& r) {
  if (!v.IsObject()) return false;
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value tids = o.Get("tids"), outcomes = o.Get("outcomes"), held = o.Get("held");
  Napi::Value timeout = o.Get("timeoutMs"), keep = o.Get("keepExitOf"), late = o.Get("lateWaitMs");
  if (!is_i32(tids) || !is_i32(outcomes) || !is_f64(held) || !timeout.IsNumber() || !keep.IsNumber() ||
      !late.IsNumber())
    return false;
  r.held = held.As<Napi::Float64Array>();
  if (r.held.ElementLength() < 1) return false;
  Napi::Int32Array t = tids.As<Napi::Int32Array>();
  r.outcomes = outcomes.As<Napi::Int32Array>();
  if (r.outcomes.ElementLength() < t.ElementLength()) return false;
  r.tids.assign(t.Data(), t.Data() + t.ElementLength());
  r.timeout_ns = static_cast<long long>(timeout.As<Napi::Number>().DoubleValue() * 1e6);
  r.keep_exit_of = keep.As<Napi::Number>().Int32Value();
  r.late_wait_ns = static_cast<long long>(late.As<Napi::Number>().DoubleValue() * 1e6);
  return true;
}

// Resumes whatever a stop left stopped, on every path out of a walk.
class ResumeAtExit {
 public:
  explicit ResumeAtExit(const StopRequest& r) : r_(r) {}
  ~ResumeAtExit() { tracer::resume(r_.keep_exit_of, monotonic_ns() + r_.late_wait_ns); }

 private:
  const StopRequest& r_;
};

// walk(walker, source, running: Int32Array | null, out: Float64Array, stop?): doubles written, -1, -2.
// With stop (and a pid as the source), the threads are stopped just for the
// walk, in this one call: from the stop to the resume nothing else runs (no
// JavaScript, no crossing of the N-API boundary), which keeps the threads
// stopped for the least time. Each thread's outcome (tracer::Outcome, or
// -errno) goes to stop.outcomes, and the microseconds from the first seize to
// the last detach are added to stop.held[0].
Napi::Value Walk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool args = (info.Length() == 4 || info.Length() == 5) && info[0].IsExternal() &&
              (info[2].IsNull() || is_i32(info[2])) && is_f64(info[3]);
  StopRequest stop;
  bool stopping = args && info.Length() == 5 && !info[4].IsUndefined();
  if (stopping) args = info[1].IsNumber() && read_stop(info[4], stop);
  std::unique_ptr<walker::Reader> mem = args ? reader_for(info[1]) : nullptr;
  if (!usage(info, args && mem,
             "Usage: walk(walker, source: number | {addr, bytes}[], running: Int32Array | null, out: Float64Array, "
             "stop?: {tids, outcomes: Int32Array, held: Float64Array, timeoutMs, keepExitOf, lateWaitMs}) (a stop needs a "
             "pid)"))
    return env.Null();
  std::vector<int32_t> running;
  if (!info[2].IsNull()) {
    Napi::Int32Array r = info[2].As<Napi::Int32Array>();
    running.assign(r.Data(), r.Data() + r.ElementLength());
    std::sort(running.begin(), running.end());
  }
  // Everything the walk needs is taken from JavaScript's values before any thread is stopped.
  Napi::Float64Array out = info[3].As<Napi::Float64Array>();
  double* out_data = out.Data();
  size_t out_cap = out.ElementLength();
  bool all = info[2].IsNull();
  auto* w = info[0].As<Napi::External<walker::Walker>>().Data();
  auto walk = [&] { return w->walk(*mem, running.data(), running.size(), all, out_data, out_cap); };
  long r;
  if (stopping) {
    std::vector<int> outcomes;
    outcomes.reserve(stop.tids.size());
    long long start = monotonic_ns();
    {
      ResumeAtExit resume(stop);
      tracer::stop(stop.tids, start + stop.timeout_ns, stop.keep_exit_of, outcomes);
      r = walk();
    }
    stop.held[0] += (monotonic_ns() - start) / 1e3;
    for (size_t i = 0; i < outcomes.size(); i++) stop.outcomes[i] = outcomes[i];
  } else {
    r = walk();
  }
  return Napi::Number::New(env, static_cast<double>(r));
}

// walkThreads(walker, source, tstates: Float64Array, out: Float64Array): doubles written, or -2
Napi::Value WalkThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool args = info.Length() == 4 && info[0].IsExternal() && is_f64(info[2]) && is_f64(info[3]);
  std::unique_ptr<walker::Reader> mem = args ? reader_for(info[1]) : nullptr;
  if (!usage(info, args && mem,
             "Usage: walkThreads(walker, source: number | {addr, bytes}[], tstates: Float64Array, out: Float64Array)"))
    return env.Null();
  Napi::Float64Array ts = info[2].As<Napi::Float64Array>();
  Napi::Float64Array out = info[3].As<Napi::Float64Array>();
  auto* w = info[0].As<Napi::External<walker::Walker>>().Data();
  long r = w->walk_threads(*mem, ts.Data(), ts.ElementLength(), out.Data(), out.ElementLength());
  return Napi::Number::New(env, static_cast<double>(r));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("resume", Napi::Function::New(env, Resume));
  exports.Set("attached", Napi::Function::New(env, Attached));
  exports.Set("readInto", Napi::Function::New(env, ReadInto));
  exports.Set("walker", Napi::Function::New(env, NewWalker));
  exports.Set("walk", Napi::Function::New(env, Walk));
  exports.Set("walkThreads", Napi::Function::New(env, WalkThreads));
  Napi::Array errors = Napi::Array::New(env, walker::kErrorCount);
  for (uint32_t i = 0; i < walker::kErrorCount; i++) errors.Set(i, walker::kErrorNames[i]);
  exports.Set("walkErrors", errors);
  return exports;
}

}  // namespace

NODE_API_MODULE(pysample, Init)
