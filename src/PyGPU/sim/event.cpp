#include "PyGPU/sim/event.h"

#include <chrono>

#include "PyGPU/sim/mempool.h"
#include "PyGPU/sim/reset.h"
#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

int resolve_event(State& st, pygpu_event_t handle, std::shared_ptr<Event>* out) {
    const uintptr_t v = reinterpret_cast<uintptr_t>(handle);
    auto it = st.events.find(v);
    if (it != st.events.end()) {
        *out = it->second;
        return err::cudaSuccess;
    }
    if (handle == nullptr) return fail(err::cudaErrorInvalidResourceHandle, "event is NULL; create one with cudaEventCreate");
    if (was_issued(st, v, HandleKind::event)) {
        return fail(err::cudaErrorInvalidResourceHandle,
                    "event %p was destroyed (by cudaEventDestroy, or by cudaDeviceReset of its device)", handle);
    }
    if (was_issued(st, v, HandleKind::stream)) {
        return fail(err::cudaErrorInvalidResourceHandle, "%p is a stream handle, not an event", handle);
    }
    return fail(err::cudaErrorInvalidResourceHandle, "%p is not an event handle (no event was ever created with it)",
                handle);
}

void reset_events(State& st, const ResetScope& scope, ResetBatch&) {
    for (auto it = st.events.begin(); it != st.events.end();) {
        if (scope.covers(it->second->device)) {
            it = st.events.erase(it);
        } else {
            ++it;
        }
    }
}

int event_create_with_flags(pygpu_event_t* event, unsigned int flags) {
    return api(Call::cudaEventCreateWithFlags, [&] {
        if (event == nullptr) return fail(err::cudaErrorInvalidValue, "event is NULL; pass the address of an event handle");
        // cudaEventBlockingSync | cudaEventDisableTiming | cudaEventInterprocess.
        if ((flags & ~0x7u) != 0) {
            return fail(err::cudaErrorInvalidValue,
                        "flags 0x%x has unknown bits 0x%x; events accept BlockingSync (1), DisableTiming (2) and "
                        "Interprocess (4)",
                        flags, flags & ~0x7u);
        }
        // CUDA: cudaEventInterprocess requires cudaEventDisableTiming.
        if ((flags & PYGPU_EVENT_INTERPROCESS) && !(flags & PYGPU_EVENT_DISABLE_TIMING)) {
            return fail(err::cudaErrorInvalidValue,
                        "flags 0x%x: cudaEventInterprocess needs cudaEventDisableTiming as well (0x6)", flags);
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        auto ev = std::make_shared<Event>(new_handle(st, HandleKind::event), current_device(), flags);
        st.events[ev->handle] = ev;
        *event = reinterpret_cast<pygpu_event_t>(ev->handle);
        return err::cudaSuccess;
    });
}

int event_destroy(pygpu_event_t event) {
    return api(Call::cudaEventDestroy, [&] {
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Event> ev;
        if (int e = resolve_event(st, event, &ev)) return e;
        // CUDA: destroying an event whose record has not completed is fine;
        // the marker stays queued and completes on its own.
        st.events.erase(ev->handle);
        return err::cudaSuccess;
    });
}

int event_record(pygpu_event_t event, pygpu_stream_t stream) {
    return api(Call::cudaEventRecord, [&] {
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Event> ev;
        if (int e = resolve_event(st, event, &ev)) return e;
        std::shared_ptr<Stream> s;
        if (int e = resolve_stream(st, stream, &s)) return e;
        // CUDA: the event and the stream must belong to the same device
        // (context); otherwise cudaErrorInvalidResourceHandle.
        if (s->device != ev->device) {
            return fail(err::cudaErrorInvalidResourceHandle,
                        "event %p belongs to device %d but %s is on device %d; record it on a stream of device %d",
                        event, ev->device, stream_name(*s).c_str(), s->device, ev->device);
        }
        // A marker in stream order; it completes, and takes its time stamp,
        // when the stream reaches it. A new record replaces the previous one
        // for later queries and waits.
        ev->latest = enqueue(st, s, work_info("cudaEventRecord"), nullptr);
        ev->recorded_on = s->serial;
        ev->recorded_at = s->queued_items;
        return err::cudaSuccess;
    });
}

// The completion of the event's most recent record (null: never recorded).
static int event_latest(pygpu_event_t event, CompletionPtr* latest, SyncPoint* point = nullptr) {
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mu);
    std::shared_ptr<Event> ev;
    if (int e = resolve_event(st, event, &ev)) return e;
    *latest = ev->latest;
    if (point != nullptr) *point = SyncPoint{ev->device, ev->recorded_on, ev->recorded_at};
    return err::cudaSuccess;
}

int event_query(pygpu_event_t event) {
    return api(Call::cudaEventQuery, [&] {
        CompletionPtr latest;
        if (int e = event_latest(event, &latest)) return e;
        // CUDA: an event never recorded reports cudaSuccess; a pending one
        // cudaErrorNotReady, which is a status and not recorded as an error.
        return latest && !latest->done() ? err::cudaErrorNotReady : err::cudaSuccess;
    });
}

int event_synchronize(pygpu_event_t event) {
    return api(Call::cudaEventSynchronize, [&] {
        CompletionPtr latest;
        SyncPoint point;
        if (int e = event_latest(event, &latest, &point)) return e;
        if (!latest) return err::cudaSuccess;  // never recorded: returns at once
        latest->wait();
        pools_synchronized_if_idle(state(), point);
        return err::cudaSuccess;
    });
}

int event_elapsed_time(float* ms, pygpu_event_t start, pygpu_event_t end) {
    return api(Call::cudaEventElapsedTime, [&] {
        if (ms == nullptr) return fail(err::cudaErrorInvalidValue, "ms is NULL; pass a pointer to a float");
        State& st = state();
        std::shared_ptr<Event> a, b;
        CompletionPtr ca, cb;
        {
            std::lock_guard<std::mutex> lock(st.mu);
            if (int e = resolve_event(st, start, &a)) return e;
            if (int e = resolve_event(st, end, &b)) return e;
            ca = a->latest;
            cb = b->latest;
        }
        // CUDA cudaEventElapsedTime: cudaErrorInvalidResourceHandle when either
        // event was never recorded or was created with cudaEventDisableTiming;
        // cudaErrorNotReady while either has not completed. The timing check
        // comes first: such an event would never give a time, however long
        // the caller polls.
        if (!ca || !cb) {
            return fail(err::cudaErrorInvalidResourceHandle, "the %s event %p has never been recorded; call cudaEventRecord first",
                        !ca ? "start" : "end", !ca ? start : end);
        }
        if (!a->timing() || !b->timing()) {
            return fail(err::cudaErrorInvalidResourceHandle,
                        "the %s event %p was created with cudaEventDisableTiming; create it with timing enabled to "
                        "measure time",
                        !a->timing() ? "start" : "end", !a->timing() ? start : end);
        }
        if (!ca->done() || !cb->done()) return err::cudaErrorNotReady;
        const std::chrono::duration<float, std::milli> d = cb->stamp() - ca->stamp();
        *ms = d.count();
        return err::cudaSuccess;
    });
}

}  // namespace sim
}  // namespace pygpu
