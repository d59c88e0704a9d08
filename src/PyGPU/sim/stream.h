// Streams of the simulated device: queues of work drained in order by a
// worker thread, with CUDA's legacy default stream rules.
//
// Queued work runs on the stream's worker, later, so a query right after
// queueing can really see cudaErrorNotReady and a missing synchronisation
// really races. The one exception is a synchronous call (cudaMemcpy,
// cudaMemset, ...) that finds its stream idle: its work runs on the calling
// thread only when that cannot be told apart from queueing it and waiting
// (can_run_inline below).
#ifndef PYGPU_SIM_STREAM_H
#define PYGPU_SIM_STREAM_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "PyGPU/sim/work.h"
#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

struct State;
struct ResetScope;
struct ResetBatch;

enum class StreamKind {
    legacy,      // NULL / cudaStreamLegacy: one per device, never destroyed
    per_thread,  // cudaStreamPerThread: one per (host thread, device), blocking
    created,     // cudaStreamCreate*
};

// The special handle values of the CUDA runtime.
constexpr uintptr_t kStreamLegacyHandle = 0x1;     // cudaStreamLegacy
constexpr uintptr_t kStreamPerThreadHandle = 0x2;  // cudaStreamPerThread

// The stream priority range reported by device_get_stream_priority_range
// (the values of current NVIDIA GPUs: lower numbers are higher priorities).
constexpr int kLeastStreamPriority = 0;
constexpr int kGreatestStreamPriority = -5;

// Made by make_shared (make_stream); shared_from_this() gives the owning
// pointer that enqueue needs to a call that looked the stream up by a plain one.
struct Stream : std::enable_shared_from_this<Stream> {
    Stream(uintptr_t handle_, int device_, unsigned flags_, int priority_, StreamKind kind_)
        : handle(handle_), device(device_), flags(flags_), priority(priority_), kind(kind_) {}

    const uintptr_t handle;
    const int device;
    const unsigned flags;
    const int priority;
    const StreamKind kind;

    // A stream synchronises with the legacy default stream unless it was
    // created with cudaStreamNonBlocking.
    bool blocking() const { return (flags & PYGPU_STREAM_NON_BLOCKING) == 0; }

    // Guarded by State::mu:
    CompletionPtr tail;      // completion of the last item queued (null: none yet)
    // Stream order for the memory pools (mempool.h): a serial number never
    // reused, the items queued so far, and for each stream this one waited
    // for through cudaStreamWaitEvent, the furthest position waited for.
    uint64_t serial = 0;
    uint64_t queued_items = 0;
    std::vector<std::pair<uint64_t, uint64_t>> waited;  // (serial, position)
    void note_wait(uint64_t on, uint64_t position) {
        for (auto& w : waited) {
            if (w.first == on) {
                if (position > w.second) w.second = position;
                return;
            }
        }
        waited.emplace_back(on, position);
    }
    uint64_t waited_for(uint64_t on) const {
        for (const auto& w : waited) {
            if (w.first == on) return w.second;
        }
        return 0;
    }
    bool destroyed = false;  // no new work; the worker drains what is queued, then ends
    // Queued operations that touch memory and may not have finished, oldest
    // first, so that a free can say which pending work it waited for.
    struct InFlight {
        WorkInfoPtr info;
        CompletionPtr done;
    };
    std::deque<InFlight> inflight;

    // Guarded by mutex (the worker's side):
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<WorkItem> queue;
    std::atomic<size_t> queued{0};  // queue.size(), written under mutex, read by the worker's spin
    bool closing = false;
    bool started = false;  // the worker thread starts with the first work item
};

// Creates a stream of `device` and lists it on the device (mu held). The
// caller registers a created stream's handle.
std::shared_ptr<Stream> make_stream(State& st, int device, unsigned flags, int priority, StreamKind kind);

// Looks a handle up (mu held): NULL and cudaStreamLegacy name the current
// device's legacy stream, cudaStreamPerThread the calling thread's per-thread
// stream (created on first use); any other value must be a live stream, else
// cudaErrorInvalidResourceHandle. A handle is never dereferenced.
int resolve_stream(State& st, pygpu_stream_t handle, std::shared_ptr<Stream>* out);
// The same, as a plain pointer (valid while mu is held): the calls made most
// often (copies, stream-ordered allocation) skip the reference count's two
// atomic operations, and take shared_from_this() only when they queue work.
int resolve_stream(State& st, pygpu_stream_t handle, Stream** out);

// Queues `run` on the stream (mu held) after `waits` and after the implicit
// dependencies of the legacy default stream (CUDA "Stream synchronization
// behavior"): work on the legacy stream waits for all work queued before it
// on the device's blocking streams, and work on a blocking stream waits for
// work queued before it on the legacy stream. Returns the item's completion.
// `info` names the operation for traces and reports (null for internal
// markers, which are neither traced nor reported). In chaos mode a random
// delay is queued before the item, as a work item of its own. `after` runs
// once `run` is done and traced, just before the completion (WorkItem::after).
CompletionPtr enqueue(State& st, const std::shared_ptr<Stream>& s, WorkInfoPtr info, std::function<void()> run,
                      std::vector<CompletionPtr> waits = {}, std::function<void()> after = {});

// A synchronous call's work may run on the calling thread when that cannot
// be told apart from queueing it and waiting: the stream and everything the
// item would implicitly wait for are idle, chaos mode is off and no trace is
// recording (State::mu held).
bool can_run_inline(State& st, const Stream& s);
// Runs it so: publishes the item as the stream's tail (so work that other
// threads queue meanwhile is ordered after it, as if it were queued), releases
// `lock` (on State::mu), runs `run` and completes the item.
void run_inline(State& st, Stream& s, WorkInfoPtr info, const std::function<void()>& run,
                std::unique_lock<std::mutex>& lock);

// Or, for a small one (copy.cpp), with `lock` still held: runs nothing,
// only counts the item in the stream's order (Stream::queued_items). Whatever
// the caller does before releasing State::mu is finished before any other
// thread can look at the stream, so it needs no completion, tail or entry in
// flight to be ordered before later work.
inline void ran_under_lock(Stream& s) { ++s.queued_items; }

// Marks a stream destroyed (mu held): queued work still completes.
void close_stream(Stream& s);
// Reset (reset.h), mu held: every stream of the reset device (of every
// device) becomes invalid; its per-thread default streams are re-created on
// next use. Queued work still completes: the reset waits for it.
void reset_streams(State& st, const ResetScope& scope, ResetBatch& batch);

// Completions of everything queued and unfinished on the device's streams,
// or on every device's streams (mu held).
std::vector<CompletionPtr> pending_on_device(State& st, int device);
std::vector<CompletionPtr> pending_everywhere(State& st);

// "stream 0x5100010 (device 0)", "the legacy default stream of device 0", ...
std::string stream_name(const Stream& s);

// "cudaMemcpyAsync DtoH 4096 B on stream 0x5100010 (device 0)" for every
// queued, unfinished operation that touches [base, base + size) (mu held).
std::vector<std::string> pending_work_using(State& st, uintptr_t base, size_t size);

// True on a stream worker thread (inside a host function, for example).
bool on_worker_thread();

int stream_create_with_priority(pygpu_stream_t* stream, unsigned int flags, int priority);
int stream_destroy(pygpu_stream_t stream);
int stream_synchronize(pygpu_stream_t stream);
int stream_query(pygpu_stream_t stream);
int stream_wait_event(pygpu_stream_t stream, pygpu_event_t event, unsigned int flags);
int stream_get_flags(pygpu_stream_t stream, unsigned int* flags);
int stream_get_priority(pygpu_stream_t stream, int* priority);
int device_get_stream_priority_range(int* least, int* greatest);
int launch_host_func(pygpu_stream_t stream, pygpu_host_fn fn, void* user_data);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_STREAM_H
