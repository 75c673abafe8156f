// The reads of one walk, made again as one system call at the start of the
// next. A walk of a busy thread reads the same few places every sample (the
// GIL, the interpreter, the thread state, the data-stack chunk, the pages of
// frames), each read a system call of about a microsecond while the target is
// stopped; reading the previous walk's places in one process_vm_readv first
// serves most of this walk's reads from bytes copied during this very stop.
// Whatever the batch does not hold is read directly.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "reader.h"

namespace walker {

class Batch : public Reader {
 public:
  /** Starts a walk over `inner`: reads the regions the previous walk read, in one call. */
  void begin(Reader& inner) noexcept;
  /** Ends the walk: what it read becomes the next batch. */
  void end() noexcept;
  bool read(uint64_t addr, void* out, size_t len) noexcept override;

 private:
  struct Region {
    uint64_t addr;
    size_t len;
    size_t off;  // where its bytes are in bytes_
    bool noted;  // already noted for the next batch
  };
  void note(uint64_t addr, size_t len) noexcept;

  Reader* inner_ = nullptr;
  std::vector<Region> ahead_;  // this walk's batch, read at begin()
  std::vector<char> bytes_;
  size_t cursor_ = 0;  // reads come in about the same order every walk
  std::vector<uint64_t> next_addrs_;
  std::vector<size_t> next_lens_;
  size_t next_bytes_ = 0;
};

}  // namespace walker
