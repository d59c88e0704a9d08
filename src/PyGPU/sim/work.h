// Queued work: the unit a stream runs, and the completion others wait on.
//
// A work item is deliberately generic (a callable plus what it must wait
// for): a copy, a memset, an event marker, a host function, a chaos-mode
// delay and a kernel launch are all the same thing to a stream. What
// the inspection API needs to know about an item (its name, the memory it
// touches) travels beside the callable, never inside it.
#ifndef PYGPU_SIM_WORK_H
#define PYGPU_SIM_WORK_H

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "PyGPU/sim/spin.h"

namespace pygpu {
namespace sim {

using Clock = std::chrono::steady_clock;

// Becomes done once, when the stream that owns the work item has run it; it
// records the time of that moment (CUDA events report elapsed time between
// such moments, measured on a monotonic clock). A waiter spins briefly
// before it sleeps (spin.h).
class Completion {
public:
    void complete() {
        std::lock_guard<std::mutex> lock(mutex_);
        stamp_ = Clock::now();
        done_.store(true, std::memory_order_release);
        cv_.notify_all();
    }
    bool done() const { return done_.load(std::memory_order_acquire); }
    void wait() {
        if (spin_until([this] { return done(); })) return;
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return done(); });
    }
    Clock::time_point stamp() {
        std::lock_guard<std::mutex> lock(mutex_);
        return stamp_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::atomic<bool> done_{false};
    Clock::time_point stamp_{};  // written before done_ is set
};

using CompletionPtr = std::shared_ptr<Completion>;

// A range of addresses a work item reads or writes.
struct Range {
    uintptr_t base;
    size_t size;
};

// What an operation is, for traces and reports. Shared by the work item and
// the stream's list of operations in flight.
struct WorkInfo {
    const char* call = "";            // "cudaMemcpyAsync", "cudaEventRecord", ... (a string literal)
    const char* direction = nullptr;  // "HtoD", ... for copies between spaces, else null
    size_t bytes = 0;                 // bytes copied or set (copies, memsets)
    bool has_bytes = false;
    std::vector<Range> ranges;        // memory it touches (copies, memsets); empty for host functions
    // A kernel launch: the kernel's name and configuration (kernel empty otherwise).
    std::string kernel;
    unsigned grid[3] = {0, 0, 0};
    unsigned block[3] = {0, 0, 0};

    // "cudaMemcpyAsync HtoD 4096 B", "cudaEventRecord", "kernel vadd": made
    // only when read (traces, reports of pending work), never on the call's path.
    std::string name() const {
        if (!kernel.empty()) return "kernel " + kernel;
        std::string out = call;
        if (direction != nullptr) out.append(" ").append(direction);
        if (has_bytes) out.append(" ").append(std::to_string(bytes)).append(" B");
        return out;
    }
};
using WorkInfoPtr = std::shared_ptr<const WorkInfo>;

// Work without a size: a marker, an event record, a host function.
inline WorkInfoPtr work_info(const char* call) {
    auto w = std::make_shared<WorkInfo>();
    w->call = call;
    return w;
}

// A copy or memset of `bytes` touching `ranges`; `direction` null for peer copies and memsets.
inline WorkInfoPtr work_info(const char* call, const char* direction, size_t bytes, std::vector<Range> ranges) {
    auto w = std::make_shared<WorkInfo>();
    w->call = call;
    w->direction = direction;
    w->bytes = bytes;
    w->has_bytes = true;
    w->ranges = std::move(ranges);
    return w;
}

// A launch of `kernel` (the call is cudaLaunchKernel) with its grid and block dimensions.
inline WorkInfoPtr work_info_kernel(std::string kernel, const unsigned (&grid)[3], const unsigned (&block)[3]) {
    auto w = std::make_shared<WorkInfo>();
    w->call = "cudaLaunchKernel";
    w->kernel = std::move(kernel);
    for (int i = 0; i < 3; ++i) {
        w->grid[i] = grid[i];
        w->block[i] = block[i];
    }
    return w;
}

struct WorkItem {
    std::function<void()> run;         // may be empty (a marker or a wait)
    // Runs after `run` and its trace record, just before the completion: what
    // a synchronising call must see once it has waited, and nothing sooner
    // (a launch's sticky error: a call that finds it returns at once, so it
    // must not be visible before the launch's trace record and statistics).
    std::function<void()> after;
    std::vector<CompletionPtr> waits;  // all queued before this item: no cycles
    CompletionPtr done;
    // Filled by enqueue:
    WorkInfoPtr info;             // null: internal (a chaos delay, a synchronisation marker)
    uint64_t trace = 0;           // the trace recording it belongs to (trace.h), 0: none
    Clock::time_point queued{};   // when it was queued (traced items only)
    uint32_t chaos_delay_us = 0;  // the chaos delay queued just before it
};

// Waits for every completion (none is waited for twice).
inline void wait_all(const std::vector<CompletionPtr>& completions) {
    for (const CompletionPtr& c : completions) c->wait();
}

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_WORK_H
