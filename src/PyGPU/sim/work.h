// Queued work: the unit a stream runs, and the completion others wait on.
//
// A work item is deliberately generic (a callable plus what it must wait
// for): a copy, a memset, an event marker, a host function, and later a
// kernel launch or a chaos-mode delay are all the same thing to a stream.
#ifndef PYGPU_SIM_WORK_H
#define PYGPU_SIM_WORK_H

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace pygpu {
namespace sim {

using Clock = std::chrono::steady_clock;

// Becomes done once, when the stream that owns the work item has run it; it
// records the time of that moment (CUDA events report elapsed time between
// such moments, measured on a monotonic clock).
class Completion {
public:
    void complete() {
        std::lock_guard<std::mutex> lock(mutex_);
        stamp_ = Clock::now();
        done_ = true;
        cv_.notify_all();
    }
    bool done() {
        std::lock_guard<std::mutex> lock(mutex_);
        return done_;
    }
    void wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return done_; });
    }
    Clock::time_point stamp() {
        std::lock_guard<std::mutex> lock(mutex_);
        return stamp_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    Clock::time_point stamp_{};
};

using CompletionPtr = std::shared_ptr<Completion>;

struct WorkItem {
    std::function<void()> run;         // may be empty (a marker or a wait)
    std::vector<CompletionPtr> waits;  // all queued before this item: no cycles
    CompletionPtr done;
};

// Waits for every completion (none is waited for twice).
inline void wait_all(const std::vector<CompletionPtr>& completions) {
    for (const CompletionPtr& c : completions) c->wait();
}

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_WORK_H
