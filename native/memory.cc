#include "memory.h"

#include <errno.h>
#include <sys/uio.h>

namespace memory {

long read(pid_t pid, unsigned long addr, void* out, size_t len) noexcept {
  if (len == 0) return 0;
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  ssize_t n;
  do {
    n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  } while (n == -1 && errno == EINTR);
  if (n == -1) return -errno;
  // A read that crosses the end of a mapping returns what it got: treat as a fault.
  if (static_cast<size_t>(n) != len) return -EFAULT;
  return n;
}

}  // namespace memory
