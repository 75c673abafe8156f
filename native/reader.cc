#include "reader.h"

#include <string.h>

#include "memory.h"

namespace walker {

bool ProcessReader::read(uint64_t addr, void* out, size_t len) noexcept {
  reads++;
  return memory::read(pid_, addr, out, len) == static_cast<long>(len);
}

size_t Reader::read_regions(const uint64_t* addrs, const size_t* lens, size_t n, char* out) noexcept {
  size_t i = 0;
  for (; i < n && read(addrs[i], out, lens[i]); i++) out += lens[i];
  return i;
}

size_t ProcessReader::read_regions(const uint64_t* addrs, const size_t* lens, size_t n, char* out) noexcept {
  reads++;
  long got = memory::readv(pid_, addrs, lens, n, out);
  size_t whole = 0;
  for (size_t sum = 0; got > 0 && whole < n && sum + lens[whole] <= static_cast<size_t>(got); whole++) sum += lens[whole];
  return whole;
}

bool ImageReader::read(uint64_t addr, void* out, size_t len) noexcept {
  reads++;
  for (const Region& r : regions_) {
    if (addr >= r.addr && addr - r.addr <= r.len && len <= r.len - (addr - r.addr)) {
      memcpy(out, r.bytes + (addr - r.addr), len);
      return true;
    }
  }
  return false;
}

}  // namespace walker
