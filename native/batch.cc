#include "batch.h"

#include <string.h>

namespace walker {

namespace {

constexpr size_t kMaxRegions = 1024;  // the kernel's limit per call
constexpr size_t kMaxBytes = 1024 * 1024;
/** Reads this long are widened to whole pages (mapped entirely or not at all), so a data-stack
 *  copy whose end moves a little by the next sample is still inside. */
constexpr size_t kWiden = 1024;
constexpr uint64_t kPage = 4096;
/** A region that cannot be read ends a batch read; the rest is tried again, this many times. */
constexpr int kMaxRetries = 3;

}  // namespace

void Batch::begin(Reader& inner) noexcept {
  inner_ = &inner;
  reads = 0;
  ahead_.clear();
  cursor_ = 0;
  size_t n = next_addrs_.size();
  if (bytes_.size() < next_bytes_) bytes_.resize(next_bytes_);
  size_t done = 0, off = 0;
  for (int attempt = 0; done < n && attempt <= kMaxRetries; attempt++) {
    size_t got = inner.read_regions(&next_addrs_[done], &next_lens_[done], n - done, bytes_.data() + off);
    for (size_t i = 0; i < got; i++, done++) {
      ahead_.push_back(Region{next_addrs_[done], next_lens_[done], off, false});
      off += next_lens_[done];
    }
    if (done < n) done++;  // the region that could not be read is dropped
  }
  next_addrs_.clear();
  next_lens_.clear();
  next_bytes_ = 0;
}

void Batch::end() noexcept { inner_ = nullptr; }

bool Batch::read(uint64_t addr, void* out, size_t len) noexcept {
  size_t n = ahead_.size();
  for (size_t k = 0; k < n; k++) {
    size_t i = cursor_ + k < n ? cursor_ + k : cursor_ + k - n;
    Region& r = ahead_[i];
    if (addr >= r.addr && addr - r.addr <= r.len && len <= r.len - (addr - r.addr)) {
      cursor_ = i + 1;
      if (!r.noted) {
        note(r.addr, r.len);
        r.noted = true;
      }
      memcpy(out, bytes_.data() + r.off + (addr - r.addr), len);
      return true;
    }
  }
  if (!inner_ || !inner_->read(addr, out, len)) return false;
  if (len >= kWiden) {
    uint64_t start = addr - addr % kPage;
    uint64_t end = (addr + len + kPage - 1) / kPage * kPage;
    note(start, static_cast<size_t>(end - start));
  } else {
    note(addr, len);
  }
  return true;
}

void Batch::note(uint64_t addr, size_t len) noexcept {
  if (next_addrs_.size() >= kMaxRegions || next_bytes_ + len > kMaxBytes) return;
  next_addrs_.push_back(addr);
  next_lens_.push_back(len);
  next_bytes_ += len;
}

}  // namespace walker
