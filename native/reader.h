// Where the stack walker reads: a live process (process_vm_readv), or an
// image of regions placed in this process (the tests build CPython structs
// by hand this way). Read-only like the rest of the addon.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <vector>

namespace walker {

/** Memory the walker reads: a live process, or an image of placed regions (built in tests). */
class Reader {
 public:
  virtual ~Reader() = default;
  /** Copies exactly len bytes at addr into out; false if any of them cannot be read. */
  virtual bool read(uint64_t addr, void* out, size_t len) noexcept = 0;
  /** Copies n regions back to back into out; returns how many, from the first, were read whole. */
  virtual size_t read_regions(const uint64_t* addrs, const size_t* lens, size_t n, char* out) noexcept;
  size_t reads = 0;  // calls made, for statistics
};

class ProcessReader : public Reader {
 public:
  explicit ProcessReader(pid_t pid) : pid_(pid) {}
  bool read(uint64_t addr, void* out, size_t len) noexcept override;
  size_t read_regions(const uint64_t* addrs, const size_t* lens, size_t n, char* out) noexcept override;

 private:
  pid_t pid_;
};

class ImageReader : public Reader {
 public:
  struct Region {
    uint64_t addr;
    const char* bytes;
    size_t len;
  };
  explicit ImageReader(std::vector<Region> regions) : regions_(std::move(regions)) {}
  bool read(uint64_t addr, void* out, size_t len) noexcept override;

 private:
  std::vector<Region> regions_;
};

}  // namespace walker
