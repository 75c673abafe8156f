// Reading the target's memory: one process_vm_readv per call, never
// PTRACE_PEEKDATA word by word. Read-only by construction: nothing in this
// addon can write to another process.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

namespace memory {

/** Copies len bytes at addr in pid into out. Returns len, or -errno (a short read is -EFAULT). */
long read(pid_t pid, unsigned long addr, void* out, size_t len) noexcept;

/**
 * Copies n regions (addrs[i], lens[i]) into out, one after another, in one system call.
 * Returns the bytes copied, or -errno if none was. A region that cannot be read ends the
 * copy there: only the regions that fit wholly in the count were read.
 */
long readv(pid_t pid, const uint64_t* addrs, const size_t* lens, size_t n, void* out) noexcept;

}  // namespace memory
