// Events of the simulated device: markers recorded in stream order, with a
// time stamp taken when the stream reaches them.
#ifndef PYGPU_SIM_EVENT_H
#define PYGPU_SIM_EVENT_H

#include <cstdint>
#include <memory>

#include "PyGPU/sim/work.h"
#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

struct State;
struct ResetScope;
struct ResetBatch;

struct Event {
    Event(uintptr_t handle_, int device_, unsigned flags_) : handle(handle_), device(device_), flags(flags_) {}
    const uintptr_t handle;
    const int device;  // the device current at creation
    const unsigned flags;
    bool timing() const { return (flags & PYGPU_EVENT_DISABLE_TIMING) == 0; }
    // Guarded by State::mu: the marker of the most recent record (null: never
    // recorded). A new record replaces it; earlier markers still complete.
    CompletionPtr latest;
    // Where that record sits (Stream::serial, Stream::queued_items after it),
    // for the memory pools' event dependencies (mempool.h).
    uint64_t recorded_on = 0;
    uint64_t recorded_at = 0;
};

// Looks a handle up (mu held); cudaErrorInvalidResourceHandle when unknown
// or destroyed. A handle is never dereferenced.
int resolve_event(State& st, pygpu_event_t handle, std::shared_ptr<Event>* out);
// Reset (reset.h), mu held: every event of the reset device (of every
// device) becomes invalid. Recorded markers still complete.
void reset_events(State& st, const ResetScope& scope, ResetBatch& batch);

int event_create_with_flags(pygpu_event_t* event, unsigned int flags);
int event_destroy(pygpu_event_t event);
int event_record(pygpu_event_t event, pygpu_stream_t stream);
int event_query(pygpu_event_t event);
int event_synchronize(pygpu_event_t event);
int event_elapsed_time(float* ms, pygpu_event_t start, pygpu_event_t end);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_EVENT_H
