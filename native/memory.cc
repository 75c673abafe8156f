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

long readv(pid_t pid, const uint64_t* addrs, const size_t* lens, size_t n, void* out) noexcept {
  // The kernel takes at most IOV_MAX (1024) remote regions per call.
  if (n == 0 || n > 1024) return n == 0 ? 0 : -EINVAL;
  iovec remote[1024];
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    remote[i] = iovec{reinterpret_cast<void*>(addrs[i]), lens[i]};
    total += lens[i];
  }
  iovec local{out, total};
  ssize_t r;
  do {
    r = process_vm_readv(pid, &local, 1, remote, n, 0);
  } while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

}  // namespace memory
