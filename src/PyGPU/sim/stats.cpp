#include "PyGPU/sim/stats.h"

#include <algorithm>

#include "PyGPU/sim/json.h"
#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

namespace {

// Reports are for people: past this many, they are only counted.
constexpr size_t kMaxReports = 1000;

const char* const kDirectionNames[kDirections] = {"HtoD", "DtoH", "DtoD", "HtoH", "peer", "memset"};

AllocationCounters* counters_of(Stats& s, const Allocation& a) {
    if (a.kind == MemKind::pinned) return &s.pinned;
    if (on_device_block(a.kind) && a.device >= 0 && static_cast<size_t>(a.device) < s.devices.size()) {
        return &s.devices[static_cast<size_t>(a.device)];
    }
    return nullptr;
}

void counters_json(std::string& out, const AllocationCounters& c) {
    out += "{\"allocations\": ";
    json_uint(out, c.allocations);
    out += ", \"frees\": ";
    json_uint(out, c.frees);
    out += ", \"current_bytes\": ";
    json_uint(out, c.current_bytes);
    out += ", \"peak_bytes\": ";
    json_uint(out, c.peak_bytes);
    out += "}";
}

const char* kind_key(MemKind k) {
    switch (k) {
        case MemKind::device:
            return "device";
        case MemKind::pinned:
            return "pinned";
        case MemKind::registered:
            return "registered";
        case MemKind::managed:
            return "managed";
    }
    return "device";
}

}  // namespace

void Stats::clear(size_t device_count) {
    *this = Stats();
    devices.assign(device_count, AllocationCounters());
}

void Stats::allocated(const Allocation& a) {
    AllocationCounters* c = counters_of(*this, a);
    if (c == nullptr) return;
    ++c->allocations;
    c->current_bytes += a.size;
    c->peak_bytes = std::max(c->peak_bytes, c->current_bytes);
}

void Stats::freed(const Allocation& a) {
    AllocationCounters* c = counters_of(*this, a);
    if (c == nullptr) return;
    ++c->frees;
    c->current_bytes -= std::min<uint64_t>(c->current_bytes, a.size);
}

void Stats::launched(const std::string& kernel, uint64_t blocks, uint64_t threads) {
    KernelCounters& k = kernels[kernel];
    ++k.launches;
    k.blocks += blocks;
    k.threads += threads;
}

void Stats::kernel_finished(const std::string& kernel, double micros, bool failed) {
    KernelCounters& k = kernels[kernel];
    k.time_us += micros;
    k.failures += failed ? 1 : 0;
}

void Stats::report(std::string text) {
    if (reports.size() >= kMaxReports) {
        ++reports_dropped;
        return;
    }
    reports.push_back(std::move(text));
}

std::string stats_json(const State& st) {
    const Stats& s = st.stats;
    std::string out = "{\"calls\": {";
    bool first = true;
    for (size_t i = 0; i < kCallCount; ++i) {
        const Call c = static_cast<Call>(i);
        const uint64_t n = calls_made(c);
        if (n == 0) continue;  // a Counter: calls never made are absent
        if (!first) out += ", ";
        first = false;
        json_string(out, call_name(c));
        out += ": ";
        json_uint(out, n);
    }
    out += "}, \"bytes\": {";
    for (size_t i = 0; i < kDirections; ++i) {
        if (i != 0) out += ", ";
        json_string(out, kDirectionNames[i]);
        out += ": ";
        json_uint(out, s.bytes[i]);
    }
    out += "}, \"devices\": [";
    for (size_t i = 0; i < s.devices.size(); ++i) {
        if (i != 0) out += ", ";
        counters_json(out, s.devices[i]);
    }
    out += "], \"pinned\": ";
    counters_json(out, s.pinned);
    out += ", \"kernels\": {";
    first = true;
    for (const auto& k : s.kernels) {
        if (!first) out += ", ";
        first = false;
        json_string(out, k.first);
        out += ": {\"launches\": ";
        json_uint(out, k.second.launches);
        out += ", \"blocks\": ";
        json_uint(out, k.second.blocks);
        out += ", \"threads\": ";
        json_uint(out, k.second.threads);
        out += ", \"failures\": ";
        json_uint(out, k.second.failures);
        out += ", \"time_us\": ";
        json_micros(out, k.second.time_us);
        out += "}";
    }
    out += "}";
    out += ", \"reports\": [";
    for (size_t i = 0; i < s.reports.size(); ++i) {
        if (i != 0) out += ", ";
        json_string(out, s.reports[i]);
    }
    if (s.reports_dropped != 0) {
        if (!s.reports.empty()) out += ", ";
        json_string(out, format("... and %llu more reports (only the first %zu are kept)",
                                static_cast<unsigned long long>(s.reports_dropped), kMaxReports));
    }
    out += "]}";
    return out;
}

std::string allocations_json(const State& st) {
    std::string out = "[";
    bool first = true;
    st.memory.for_each_live([&](const Allocation& a) {
        if (!first) out += ", ";
        first = false;
        out += "{\"address\": ";
        json_uint(out, a.base);
        out += ", \"size\": ";
        json_uint(out, a.size);
        out += ", \"device\": ";
        out += std::to_string(a.device);
        out += ", \"kind\": ";
        json_string(out, kind_key(a.kind));
        out += ", \"label\": ";
        if (a.label.empty()) {
            out += "null";  // no label
        } else {
            json_string(out, a.label);
        }
        out += ", \"origin\": ";
        json_string(out, a.origin);
        out += "}";
    });
    out += "]";
    return out;
}

}  // namespace sim
}  // namespace pygpu
