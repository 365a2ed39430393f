#pragma once
/// @file
/// Memory hints for large buffers.

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace metalearn {

/// Asks the operating system to back the whole 2 MiB pages inside [data, data + bytes) with
/// transparent huge pages, before the buffer is first written: one page fault per 2 MiB instead
/// of one per 4 KiB when the buffer is filled. A hint only: it changes no value, does nothing for
/// buffers under 4 MiB, on systems without `madvise(MADV_HUGEPAGE)`, or where transparent huge
/// pages are disabled (Linux: /sys/kernel/mm/transparent_hugepage/enabled set to never), and
/// its failure is ignored. Worth it where a large result is written once per call (e.g. the n×q
/// output of `data::Preprocessor::transform` for every fold): on a virtual machine where a page
/// fault costs microseconds, faults were half the CPU time of preprocessing adult's 32,561×82
/// training rows.
inline void advise_huge_pages(void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = std::uintptr_t{1} << 21U;  // 2 MiB
    if (data == nullptr || bytes < 2 * huge) return;
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (begin + huge - 1) & ~(huge - 1);
    const std::uintptr_t last = (begin + bytes) & ~(huge - 1);
    if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

}  // namespace metalearn
