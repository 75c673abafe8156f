// The N-API surface of the addon: argument checks and conversions only. The
// kernel work is in tracer.cc (ptrace) and memory.cc (process_vm_readv); all
// knowledge of Python lives in TypeScript. src/sample/native.ts types this.
#include <napi.h>
#include <time.h>

#include <vector>

#include "memory.h"
#include "tracer.h"

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

// stop(tids: Int32Array, timeoutMs: number, keepExitOf: number): Int32Array
Napi::Value Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usage(info,
             info.Length() == 3 && info[0].IsTypedArray() &&
                 info[0].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array &&
                 info[1].IsNumber() && info[2].IsNumber(),
             "Usage: stop(tids: Int32Array, timeoutMs: number, keepExitOf: number)"))
    return env.Null();
  Napi::Int32Array arr = info[0].As<Napi::Int32Array>();
  std::vector<pid_t> tids(arr.Data(), arr.Data() + arr.ElementLength());
  double timeout_ms = info[1].As<Napi::Number>().DoubleValue();
  long long deadline = monotonic_ns() + static_cast<long long>(timeout_ms * 1e6);
  pid_t keep = info[2].As<Napi::Number>().Int32Value();
  std::vector<int> outcomes;
  tracer::stop(tids, deadline, keep, outcomes);
  Napi::Int32Array out = Napi::Int32Array::New(env, outcomes.size());
  for (size_t i = 0; i < outcomes.size(); i++) out[i] = outcomes[i];
  return out;
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

// readMany(pid: number, addrs: Float64Array, lens: Float64Array, buf: Buffer): bytes read or -errno
Napi::Value ReadMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto f64 = [&](size_t i) {
    return info[i].IsTypedArray() && info[i].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array;
  };
  if (!usage(info, info.Length() == 4 && info[0].IsNumber() && f64(1) && f64(2) && info[3].IsBuffer(),
             "Usage: readMany(pid: number, addrs: Float64Array, lens: Float64Array, buf: Buffer)"))
    return env.Null();
  Napi::Float64Array a = info[1].As<Napi::Float64Array>();
  Napi::Float64Array l = info[2].As<Napi::Float64Array>();
  Napi::Buffer<char> buf = info[3].As<Napi::Buffer<char>>();
  size_t n = a.ElementLength();
  bool ok = n == l.ElementLength() && n <= 1024;
  unsigned long addrs[1024];
  size_t lens[1024];
  double total = 0;
  for (size_t i = 0; ok && i < n; i++) {
    ok = a[i] >= 0 && a[i] < 9007199254740992.0 && l[i] >= 0;
    addrs[i] = static_cast<unsigned long>(a[i]);
    lens[i] = static_cast<size_t>(l[i]);
    total += l[i];
  }
  if (!usage(info, ok && total <= buf.Length(),
             "readMany: at most 1024 regions, non-negative safe addresses, lengths that fit the buffer"))
    return env.Null();
  long r = memory::readv(info[0].As<Napi::Number>().Int32Value(), addrs, lens, n, buf.Data());
  return Napi::Number::New(env, static_cast<double>(r));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("stop", Napi::Function::New(env, Stop));
  exports.Set("resume", Napi::Function::New(env, Resume));
  exports.Set("attached", Napi::Function::New(env, Attached));
  exports.Set("readInto", Napi::Function::New(env, ReadInto));
  exports.Set("readMany", Napi::Function::New(env, ReadMany));
  return exports;
}

}  // namespace

NODE_API_MODULE(pysample, Init)
