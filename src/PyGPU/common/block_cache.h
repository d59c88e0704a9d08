// A bounded cache of large host blocks, kept faulted in between uses.
//
// A fresh large block costs its page faults: the kernel zeroes every page on
// first touch, which takes about as long as copying into it. Code that needs
// a large temporary block again and again (the simulated device's staging of
// pageable copies, the arrays GPUArray.get() returns) takes one from here and
// gives it back, so only the first use pays. Blocks are whole 2 MiB huge pages
// (transparent huge pages where the host allows them, as numpy asks for its
// own large arrays). Taking and giving are thread-safe; the oldest blocks go
// back to the host when the cache is full.
#ifndef PYGPU_COMMON_BLOCK_CACHE_H
#define PYGPU_COMMON_BLOCK_CACHE_H

#include <cstddef>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace pygpu {

class BlockCache {
public:
    static constexpr std::size_t kHugePage = std::size_t(2) << 20;
    static constexpr std::size_t kSmallest = std::size_t(1) << 20;  // below: malloc is as good

    explicit BlockCache(std::size_t capacity) : capacity_(capacity) {}
    BlockCache(const BlockCache&) = delete;
    BlockCache& operator=(const BlockCache&) = delete;

    // The extent of the block that holds `n` bytes (whole huge pages), or 0 when that overflows.
    static std::size_t extent_for(std::size_t n) {
        if (n > std::numeric_limits<std::size_t>::max() - kHugePage) return 0;
        return (n + kHugePage - 1) / kHugePage * kHugePage;
    }

    // A block of exactly `extent` bytes (from extent_for): a cached one, else
    // a new one; NULL when the host has none.
    void* take(std::size_t extent) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            for (auto it = blocks_.begin(); it != blocks_.end(); ++it) {
                if (it->extent == extent) {
                    void* mem = it->mem;
                    bytes_ -= extent;
                    blocks_.erase(it);
                    return mem;
                }
            }
        }
        return allocate(extent);
    }

    // A new block of `extent` bytes (a multiple of kHugePage) on huge-page
    // boundaries, with the advice to back it by huge pages; NULL on failure.
    static void* allocate(std::size_t extent) {
        void* mem = std::aligned_alloc(kHugePage, extent);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (mem != nullptr) madvise(mem, extent, MADV_HUGEPAGE);  // advice only
#endif
        return mem;
    }

    // Keeps a block from take() for the next take of its extent.
    void give(void* mem, std::size_t extent) {
        std::vector<void*> surplus;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (extent > capacity_) {
                surplus.push_back(mem);
            } else {
                while (bytes_ + extent > capacity_) {
                    surplus.push_back(blocks_.front().mem);
                    bytes_ -= blocks_.front().extent;
                    blocks_.erase(blocks_.begin());
                }
                blocks_.push_back(Block{mem, extent});
                bytes_ += extent;
            }
        }
        for (void* m : surplus) std::free(m);
    }

private:
    struct Block {
        void* mem;
        std::size_t extent;
    };
    std::mutex mu_;
    std::vector<Block> blocks_;  // oldest first; a few entries (each >= 1 MiB)
    std::size_t bytes_ = 0;
    const std::size_t capacity_;
};

}  // namespace pygpu

#endif  // PYGPU_COMMON_BLOCK_CACHE_H
