#include "PyGPU/sim/trace.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/json.h"

namespace pygpu {
namespace sim {

namespace {

// A bound on memory: a test that forgets to stop a trace must not grow
// without limit. Beyond it events are counted, not kept.
constexpr size_t kMaxEvents = 1000000;

struct Trace {
    std::mutex mu;
    uint64_t serial = 0;  // recordings started so far
    Clock::time_point origin{};
    std::vector<TraceRecord> records;
    uint64_t dropped = 0;
};

// Never destroyed: stream workers record into it until the process ends.
Trace& trace() {
    static Trace* t = new Trace();
    return *t;
}

std::atomic<uint64_t> g_session{0};  // the active recording, 0: none

double micros(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::micro>(to - from).count();
}

std::string stream_label(const TraceRecord& r) {
    std::string s = format("stream 0x%llx", static_cast<unsigned long long>(r.stream));
    if (r.stream_kind[0] != '\0') s += format(" (%s)", r.stream_kind);
    return s;
}

void metadata(std::string& out, const char* what, int pid, uintptr_t tid, const std::string& name) {
    out += "{\"name\": ";
    json_string(out, what);
    out += ", \"ph\": \"M\", \"pid\": ";
    out += std::to_string(pid);
    out += ", \"tid\": ";
    json_uint(out, tid);
    out += ", \"args\": {\"name\": ";
    json_string(out, name);
    out += "}}";
}

// [x, y, z]
void dims(std::string& out, const unsigned (&d)[3]) {
    out += "[";
    for (int i = 0; i < 3; ++i) {
        if (i != 0) out += ", ";
        json_uint(out, d[i]);
    }
    out += "]";
}

}  // namespace

void trace_start() {
    Trace& t = trace();
    std::lock_guard<std::mutex> lock(t.mu);
    t.records.clear();
    t.dropped = 0;
    t.origin = Clock::now();
    g_session.store(++t.serial, std::memory_order_release);
}

void trace_clear() {
    Trace& t = trace();
    std::lock_guard<std::mutex> lock(t.mu);
    g_session.store(0, std::memory_order_release);
    t.records.clear();
    t.records.shrink_to_fit();
    t.dropped = 0;
}

uint64_t trace_session() { return g_session.load(std::memory_order_acquire); }

void trace_record(uint64_t session, TraceRecord record) {
    Trace& t = trace();
    std::lock_guard<std::mutex> lock(t.mu);
    if (session == 0 || session != g_session.load(std::memory_order_relaxed)) return;
    if (t.records.size() >= kMaxEvents) {
        ++t.dropped;
        return;
    }
    t.records.push_back(std::move(record));
}

std::string trace_stop_json() {
    Trace& t = trace();
    std::vector<TraceRecord> records;
    Clock::time_point origin;
    uint64_t dropped = 0;
    {
        std::lock_guard<std::mutex> lock(t.mu);
        g_session.store(0, std::memory_order_release);
        records.swap(t.records);
        origin = t.origin;
        dropped = t.dropped;
        t.dropped = 0;
    }
    std::stable_sort(records.begin(), records.end(),
                     [](const TraceRecord& a, const TraceRecord& b) { return a.start < b.start; });
    std::string out = "{\"traceEvents\": [";
    bool first = true;
    const auto separator = [&] {
        if (!first) out += ",";
        out += "\n  ";
        first = false;
    };
    // Names for the processes (devices) and threads (streams) that appear.
    std::set<int> devices;
    std::set<std::pair<int, uintptr_t>> streams;
    for (const TraceRecord& r : records) {
        if (devices.insert(r.device).second) {
            separator();
            metadata(out, "process_name", r.device, 0, format("device %d", r.device));
        }
        if (streams.insert({r.device, r.stream}).second) {
            separator();
            metadata(out, "thread_name", r.device, r.stream, stream_label(r));
        }
    }
    for (const TraceRecord& r : records) {
        separator();
        out += "{\"name\": ";
        json_string(out, r.info ? r.info->name() : std::string());
        out += ", \"cat\": \"pygpu.sim\", \"ph\": \"X\", \"ts\": ";
        json_micros(out, micros(origin, r.start));
        out += ", \"dur\": ";
        json_micros(out, micros(r.start, r.end));
        out += ", \"pid\": ";
        out += std::to_string(r.device);
        out += ", \"tid\": ";
        json_uint(out, r.stream);
        out += ", \"args\": {\"queued_us\": ";
        json_micros(out, micros(origin, r.queued));
        out += ", \"chaos_delay_us\": ";
        json_uint(out, r.chaos_delay_us);
        if (r.info && !r.info->kernel.empty()) {
            out += ", \"grid\": ";
            dims(out, r.info->grid);
            out += ", \"block\": ";
            dims(out, r.info->block);
        }
        out += "}}";
    }
    out += "\n], \"displayTimeUnit\": \"ms\"";
    if (dropped != 0) {
        out += ", \"otherData\": {\"dropped_events\": ";
        json_uint(out, dropped);
        out += "}";
    }
    out += "}";
    return out;
}

}  // namespace sim
}  // namespace pygpu
