// Traces of queued work: when tracing, every operation queued on a stream
// (copies, memsets, event records, waits, host functions, kernel launches:
// "kernel <name>", with the grid and block in its args) is recorded with
// the moments it was queued, started and ended, and exported in Chrome's
// trace event format (chrome://tracing, Perfetto): one process per device,
// one thread per stream.
#ifndef PYGPU_SIM_TRACE_H
#define PYGPU_SIM_TRACE_H

#include <cstdint>
#include <string>

#include "PyGPU/sim/work.h"

namespace pygpu {
namespace sim {

struct TraceRecord {
    WorkInfoPtr info;  // name of the operation
    int device = 0;
    uintptr_t stream = 0;  // handle; 0 for the legacy default stream
    const char* stream_kind = "";  // "legacy default stream", "per-thread default stream", ""
    Clock::time_point queued{}, start{}, end{};
    uint32_t chaos_delay_us = 0;
};

// Clears what was recorded and starts a new recording.
void trace_start();
// Stops and returns {"traceEvents": [...], "displayTimeUnit": "ms"}. Only
// operations that finished count: synchronise before stopping.
std::string trace_stop_json();
// Stops and forgets (reset).
void trace_clear();

// The recording an item queued now belongs to; 0 when not tracing.
uint64_t trace_session();
// Adds a finished operation, unless its recording has been stopped since.
void trace_record(uint64_t session, TraceRecord record);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_TRACE_H
