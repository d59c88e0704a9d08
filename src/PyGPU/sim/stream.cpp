#include "PyGPU/sim/stream.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>

#include "PyGPU/sim/chaos.h"
#include "PyGPU/sim/mempool.h"
#include "PyGPU/sim/reset.h"
#include "PyGPU/sim/state.h"
#include "PyGPU/sim/trace.h"

namespace pygpu {
namespace sim {

namespace {

PYGPU_SIM_HOT_TLS thread_local bool tl_on_worker = false;

// Drains one stream, in order, until it is destroyed and empty. The worker
// owns a reference to its stream, so a destroyed stream lives until its last
// item has run (CUDA: cudaStreamDestroy returns at once and the resources are
// released once the device has completed all work in the stream).
void worker_loop(std::shared_ptr<Stream> s) {
    tl_on_worker = true;
    for (;;) {
        WorkItem item;
        // The next item is often queued within microseconds (a loop of
        // launches or copies): wait for it spinning first (spin.h).
        spin_until([&] { return s->queued.load(std::memory_order_acquire) != 0; });
        {
            std::unique_lock<std::mutex> lock(s->mutex);
            s->cv.wait(lock, [&] { return !s->queue.empty() || s->closing; });
            if (s->queue.empty()) return;
            item = std::move(s->queue.front());
            s->queue.pop_front();
            s->queued.store(s->queue.size(), std::memory_order_release);
        }
        wait_all(item.waits);
        const bool traced = item.trace != 0 && item.info;
        const Clock::time_point start = traced ? Clock::now() : Clock::time_point{};
        if (item.run) {
            try {
                item.run();
            } catch (...) {
                // Queued work is plain copies and C callbacks; nothing else
                // must unwind through the worker and end the process. But a
                // thread cancellation (a host function that calls into a
                // finalizing Python interpreter is ended this way) must go
                // through: swallowing it aborts the process. It is no C++
                // exception, so current_exception() is empty. (Not `catch
                // (abi::__forced_unwind&)`: that binds a reference to null,
                // undefined behaviour that UBSan reports.)
                if (!std::current_exception()) throw;
            }
        }
        if (traced) {
            // Before completing, so that a trace stopped after synchronising
            // holds every operation it waited for.
            TraceRecord r;
            r.info = item.info;
            r.device = s->device;
            r.stream = s->handle;
            r.stream_kind = s->kind == StreamKind::legacy       ? "legacy default stream"
                            : s->kind == StreamKind::per_thread ? "per-thread default stream"
                                                                : "";
            r.queued = item.queued;
            r.start = start;
            r.end = Clock::now();
            r.chaos_delay_us = item.chaos_delay_us;
            trace_record(item.trace, std::move(r));
        }
        if (item.after) item.after();
        item.done->complete();
    }
}

// The calling thread's cudaStreamPerThread streams, one per device. When the
// thread ends they are destroyed like any stream (their queued work still
// runs), so threads that come and go do not leave workers behind.
struct PerThreadStreams {
    std::vector<std::shared_ptr<Stream>> by_device;
    std::vector<uint64_t> generation;
    uint64_t epoch = 0;  // State::epoch they were made in (the devices they belong to)
    ~PerThreadStreams() {
        if (by_device.empty()) return;
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        for (auto& s : by_device) {
            if (s) close_stream(*s);
        }
    }
};
thread_local PerThreadStreams tl_per_thread;

std::shared_ptr<Stream> per_thread_stream(State& st, int device) {
    PerThreadStreams& pt = tl_per_thread;
    // First use, or the devices were replaced (PyGPU.sim configure) since.
    if (pt.by_device.empty() || pt.epoch != st.epoch) {
        for (auto& s : pt.by_device) {
            if (s) close_stream(*s);
        }
        pt.by_device.assign(st.devices.size(), nullptr);
        pt.generation.assign(st.devices.size(), 0);
        pt.epoch = st.epoch;
    }
    const size_t i = static_cast<size_t>(device);
    const uint64_t gen = st.devices[i]->generation;
    std::shared_ptr<Stream>& s = pt.by_device[i];
    // Created lazily; re-created after cudaDeviceReset invalidated it.
    if (!s || s->destroyed || pt.generation[i] != gen) {
        s = make_stream(st, device, PYGPU_STREAM_DEFAULT, 0, StreamKind::per_thread);
        pt.generation[i] = gen;
    }
    return s;
}

void push_if_pending(std::vector<CompletionPtr>* out, const CompletionPtr& c) {
    if (c && !c->done()) out->push_back(c);
}

}  // namespace

bool on_worker_thread() { return tl_on_worker; }

std::string stream_name(const Stream& s) {
    switch (s.kind) {
        case StreamKind::legacy:
            return format("the legacy default stream of device %d", s.device);
        case StreamKind::per_thread:
            return format("the per-thread default stream of device %d", s.device);
        case StreamKind::created:
            break;
    }
    return format("stream %p (device %d)", addr(s.handle), s.device);
}

std::shared_ptr<Stream> make_stream(State& st, int device, unsigned flags, int priority, StreamKind kind) {
    const uintptr_t handle = kind == StreamKind::legacy ? 0 : new_handle(st, HandleKind::stream);
    auto s = std::make_shared<Stream>(handle, device, flags, priority, kind);
    static uint64_t serials = 0;  // mu held
    s->serial = ++serials;
    if (kind != StreamKind::legacy) st.devices[static_cast<size_t>(device)]->streams.push_back(s);
    return s;
}

int resolve_stream(State& st, pygpu_stream_t handle, std::shared_ptr<Stream>* out) {
    Stream* s = nullptr;
    if (int e = resolve_stream(st, handle, &s)) return e;
    *out = s->shared_from_this();
    return err::cudaSuccess;
}

int resolve_stream(State& st, pygpu_stream_t handle, Stream** out) {
    const uintptr_t v = reinterpret_cast<uintptr_t>(handle);
    const int dev = current_device();
    if (v == 0 || v == kStreamLegacyHandle) {
        *out = st.devices[static_cast<size_t>(dev)]->legacy.get();
        return err::cudaSuccess;
    }
    if (v == kStreamPerThreadHandle) {
        *out = per_thread_stream(st, dev).get();  // the thread's table keeps it
        return err::cudaSuccess;
    }
    auto it = st.streams.find(v);
    if (it != st.streams.end()) {
        *out = it->second.get();
        return err::cudaSuccess;
    }
    if (was_issued(st, v, HandleKind::stream)) {
        return fail(err::cudaErrorInvalidResourceHandle,
                    "stream %p was destroyed (by cudaStreamDestroy, or by cudaDeviceReset of its device)", handle);
    }
    if (was_issued(st, v, HandleKind::event)) {
        return fail(err::cudaErrorInvalidResourceHandle, "%p is an event handle, not a stream", handle);
    }
    return fail(err::cudaErrorInvalidResourceHandle, "%p is not a stream handle (no stream was ever created with it)",
                handle);
}

CompletionPtr enqueue(State& st, const std::shared_ptr<Stream>& sp, WorkInfoPtr info, std::function<void()> run,
                      std::vector<CompletionPtr> waits, std::function<void()> after) {
    Stream& s = *sp;
    Device& d = *st.devices[static_cast<size_t>(s.device)];
    ++s.queued_items;
    WorkItem item;
    item.run = std::move(run);
    item.after = std::move(after);
    item.info = std::move(info);
    if (item.info) item.trace = trace_session();
    if (item.trace != 0) item.queued = Clock::now();  // read only by the trace record
    for (const CompletionPtr& c : waits) push_if_pending(&item.waits, c);
    if (s.kind == StreamKind::legacy) {
        for (const auto& t : d.streams) {
            if (t->blocking()) push_if_pending(&item.waits, t->tail);
        }
    } else if (s.blocking()) {
        push_if_pending(&item.waits, d.legacy->tail);
    }
    // Forget destroyed streams once their last item has run.
    d.streams.erase(std::remove_if(d.streams.begin(), d.streams.end(),
                                   [](const std::shared_ptr<Stream>& t) {
                                       return t->destroyed && (!t->tail || t->tail->done());
                                   }),
                    d.streams.end());
    item.done = std::make_shared<Completion>();
    CompletionPtr done = item.done;
    // Drawn here, under State::mu: draws follow queue order, so one seed
    // gives one sequence of delays.
    item.chaos_delay_us = chaos_delay();
    WorkItem delay;
    if (item.chaos_delay_us != 0) {
        const auto us = std::chrono::microseconds(item.chaos_delay_us);
        delay.run = [us] { std::this_thread::sleep_for(us); };
        delay.done = std::make_shared<Completion>();
    }
    WorkInfoPtr info_copy = item.info;
    {
        std::lock_guard<std::mutex> lock(s.mutex);
        // Start the worker before anything is queued: if the thread cannot be
        // created, the call fails and the stream is left as it was.
        if (!s.started) {
            std::thread(worker_loop, sp).detach();
            s.started = true;
        }
        if (delay.done) s.queue.push_back(std::move(delay));
        s.queue.push_back(std::move(item));
        s.queued.store(s.queue.size(), std::memory_order_release);
    }
    s.tail = done;
    while (!s.inflight.empty() && s.inflight.front().done->done()) s.inflight.pop_front();
    if (info_copy && !info_copy->ranges.empty()) s.inflight.push_back(Stream::InFlight{std::move(info_copy), done});
    s.cv.notify_one();
    return done;
}

bool can_run_inline(State& st, const Stream& s) {
    if (s.destroyed || chaos_enabled() || trace_session() != 0) return false;
    if (s.tail && !s.tail->done()) return false;
    const Device& d = *st.devices[static_cast<size_t>(s.device)];
    if (s.kind == StreamKind::legacy) {
        for (const auto& t : d.streams) {
            if (t->blocking() && t->tail && !t->tail->done()) return false;
        }
    } else if (s.blocking() && d.legacy->tail && !d.legacy->tail->done()) {
        return false;
    }
    return true;
}

void run_inline(State&, Stream& s, WorkInfoPtr info, const std::function<void()>& run,
                std::unique_lock<std::mutex>& lock) {
    CompletionPtr done = std::make_shared<Completion>();
    s.tail = done;
    ++s.queued_items;
    while (!s.inflight.empty() && s.inflight.front().done->done()) s.inflight.pop_front();
    if (info && !info->ranges.empty()) s.inflight.push_back(Stream::InFlight{std::move(info), done});
    lock.unlock();
    run();
    done->complete();
}

void close_stream(Stream& s) {
    s.destroyed = true;
    {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.closing = true;
    }
    s.cv.notify_all();
}

void reset_streams(State& st, const ResetScope& scope, ResetBatch&) {
    for (auto it = st.streams.begin(); it != st.streams.end();) {
        if (scope.covers(it->second->device)) {
            close_stream(*it->second);
            it = st.streams.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& d : st.devices) {
        if (!scope.covers(d->index)) continue;
        if (scope.whole()) {
            // Nothing is queued (PyGPU.sim.reset() runs when the device is
            // idle): the lists can go at once.
            for (const auto& s : d->streams) close_stream(*s);
            d->streams.clear();
            d->legacy->inflight.clear();
        } else {
            // Destroyed streams stay listed until their queued work has run
            // (enqueue forgets them), so the reset can wait for it.
            for (const auto& s : d->streams) {
                if (s->kind == StreamKind::per_thread) close_stream(*s);
            }
        }
        ++d->generation;  // per-thread default streams are re-created on next use
    }
}

std::vector<CompletionPtr> pending_on_device(State& st, int device) {
    const Device& d = *st.devices[static_cast<size_t>(device)];
    std::vector<CompletionPtr> out;
    push_if_pending(&out, d.legacy->tail);
    for (const auto& s : d.streams) push_if_pending(&out, s->tail);
    return out;
}

std::vector<std::string> pending_work_using(State& st, uintptr_t base, size_t size) {
    std::vector<std::string> out;
    const auto scan = [&](const Stream& s) {
        for (const Stream::InFlight& f : s.inflight) {
            if (f.done->done()) continue;
            for (const Range& r : f.info->ranges) {
                if (r.base < base + size && base < r.base + r.size) {
                    out.push_back(format("%s on %s", f.info->name().c_str(), stream_name(s).c_str()));
                    break;
                }
            }
        }
    };
    for (const auto& d : st.devices) {
        scan(*d->legacy);
        for (const auto& s : d->streams) scan(*s);
    }
    return out;
}

std::vector<CompletionPtr> pending_everywhere(State& st) {
    std::vector<CompletionPtr> out;
    for (size_t i = 0; i < st.devices.size(); ++i) {
        std::vector<CompletionPtr> d = pending_on_device(st, static_cast<int>(i));
        out.insert(out.end(), d.begin(), d.end());
    }
    return out;
}

// --- API ---------------------------------------------------------------------

int stream_create_with_priority(pygpu_stream_t* stream, unsigned int flags, int priority) {
    return api(Call::cudaStreamCreateWithPriority, [&] {
        if (stream == nullptr) return fail(err::cudaErrorInvalidValue, "pStream is NULL; pass the address of a stream handle");
        if (flags != PYGPU_STREAM_DEFAULT && flags != PYGPU_STREAM_NON_BLOCKING) {
            return fail(err::cudaErrorInvalidValue,
                        "flags 0x%x is not a stream flag; use cudaStreamDefault (0) or cudaStreamNonBlocking (1)", flags);
        }
        // CUDA: a priority outside [greatest, least] is clamped to the range.
        const int p = std::min(kLeastStreamPriority, std::max(kGreatestStreamPriority, priority));
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Stream> s = make_stream(st, current_device(), flags, p, StreamKind::created);
        st.streams[s->handle] = s;
        *stream = reinterpret_cast<pygpu_stream_t>(s->handle);
        return err::cudaSuccess;
    });
}

int stream_destroy(pygpu_stream_t stream) {
    return api(Call::cudaStreamDestroy, [&] {
        const uintptr_t v = reinterpret_cast<uintptr_t>(stream);
        // The default streams belong to the runtime; CUDA answers
        // cudaErrorInvalidResourceHandle when asked to destroy them.
        if (v == 0 || v == kStreamLegacyHandle) {
            return fail(err::cudaErrorInvalidResourceHandle, "the legacy default stream (%p) cannot be destroyed", stream);
        }
        if (v == kStreamPerThreadHandle) {
            return fail(err::cudaErrorInvalidResourceHandle, "cudaStreamPerThread cannot be destroyed");
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Stream> s;
        if (int e = resolve_stream(st, stream, &s)) return e;
        st.streams.erase(v);
        close_stream(*s);  // returns at once; queued work still completes
        return err::cudaSuccess;
    });
}

// The completion of the last item queued on `stream` (null when none yet).
static int stream_tail(pygpu_stream_t stream, CompletionPtr* tail, SyncPoint* point = nullptr) {
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mu);
    std::shared_ptr<Stream> s;
    if (int e = resolve_stream(st, stream, &s)) return e;
    *tail = s->tail;
    if (point != nullptr) *point = SyncPoint{s->device, s->serial};
    return err::cudaSuccess;
}

int stream_synchronize(pygpu_stream_t stream) {
    return api(Call::cudaStreamSynchronize, [&] {
        CompletionPtr tail;
        SyncPoint point;
        if (int e = stream_tail(stream, &tail, &point)) return e;
        // The last item waits for everything before it, the implicit legacy
        // dependencies included, so waiting for it is waiting for all.
        if (tail) tail->wait();
        pools_synchronized_if_idle(state(), point);
        return err::cudaSuccess;
    });
}

int stream_query(pygpu_stream_t stream) {
    return api(Call::cudaStreamQuery, [&] {
        CompletionPtr tail;
        if (int e = stream_tail(stream, &tail)) return e;
        // cudaErrorNotReady is a status here, not a failure: not recorded.
        return tail && !tail->done() ? err::cudaErrorNotReady : err::cudaSuccess;
    });
}

int stream_wait_event(pygpu_stream_t stream, pygpu_event_t event, unsigned int flags) {
    return api(Call::cudaStreamWaitEvent, [&] {
        // cudaEventWaitDefault (0) only: cudaEventWaitExternal (1) is for stream
        // capture and is invalid outside it (the simulator has no capture).
        if (flags != 0) {
            return fail(err::cudaErrorInvalidValue,
                        "flags 0x%x: only cudaEventWaitDefault (0) is valid outside stream capture", flags);
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Stream> s;
        if (int e = resolve_stream(st, stream, &s)) return e;
        std::shared_ptr<Event> ev;
        if (int e = resolve_event(st, event, &ev)) return e;
        // CUDA: the stream waits for the event's most recent record as of this
        // call (later records do not affect it); an event never recorded makes
        // this a no-op. The event may belong to another device.
        if (ev->latest) {
            enqueue(st, s, work_info("cudaStreamWaitEvent"), nullptr, {ev->latest});
            s->note_wait(ev->recorded_on, ev->recorded_at);
        }
        return err::cudaSuccess;
    });
}

int stream_get_flags(pygpu_stream_t stream, unsigned int* flags) {
    return api(Call::cudaStreamGetFlags, [&] {
        if (flags == nullptr) return fail(err::cudaErrorInvalidValue, "flags is NULL; pass a pointer to an unsigned int");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Stream> s;
        if (int e = resolve_stream(st, stream, &s)) return e;
        *flags = s->flags;
        return err::cudaSuccess;
    });
}

int stream_get_priority(pygpu_stream_t stream, int* priority) {
    return api(Call::cudaStreamGetPriority, [&] {
        if (priority == nullptr) return fail(err::cudaErrorInvalidValue, "priority is NULL; pass a pointer to an int");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Stream> s;
        if (int e = resolve_stream(st, stream, &s)) return e;
        *priority = s->priority;
        return err::cudaSuccess;
    });
}

int device_get_stream_priority_range(int* least, int* greatest) {
    return api(Call::cudaDeviceGetStreamPriorityRange, [&] {
        // CUDA: either pointer may be NULL when that value is not wanted.
        if (least != nullptr) *least = kLeastStreamPriority;
        if (greatest != nullptr) *greatest = kGreatestStreamPriority;
        return err::cudaSuccess;
    });
}

int launch_host_func(pygpu_stream_t stream, pygpu_host_fn fn, void* user_data) {
    return api(Call::cudaLaunchHostFunc, [&] {
        if (fn == nullptr) return fail(err::cudaErrorInvalidValue, "fn is NULL; pass the host function to run");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Stream> s;
        if (int e = resolve_stream(st, stream, &s)) return e;
        // Runs on the stream's worker, in stream order (cudaLaunchHostFunc).
        enqueue(st, s, work_info("cudaLaunchHostFunc"), [fn, user_data] { fn(user_data); });
        return err::cudaSuccess;
    });
}

}  // namespace sim
}  // namespace pygpu
