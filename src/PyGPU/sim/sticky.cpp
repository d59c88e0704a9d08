#include "PyGPU/sim/sticky.h"

#include <atomic>
#include <map>
#include <mutex>

#include "PyGPU/sim/device.h"
#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/reset.h"

namespace pygpu {
namespace sim {

namespace {

struct StickyError {
    int code;
    std::string message;
};

struct StickyTable {
    std::mutex mu;
    std::map<int, StickyError> by_device;
};

// Never destroyed (stream workers may record into it after static destructors).
StickyTable& sticky_table() {
    static StickyTable* t = new StickyTable();
    return *t;
}

std::atomic<int> g_sticky_devices{0};  // lets every call skip the lock while no device has failed

}  // namespace

void set_sticky_error(int device, int code, const std::string& message) {
    StickyTable& t = sticky_table();
    std::lock_guard<std::mutex> lock(t.mu);
    if (t.by_device.emplace(device, StickyError{code, message}).second) {
        g_sticky_devices.fetch_add(1, std::memory_order_release);
    }
}

int sticky_failure() {
    if (g_sticky_devices.load(std::memory_order_acquire) == 0) return 0;
    StickyTable& t = sticky_table();
    const int device = current_device();
    std::lock_guard<std::mutex> lock(t.mu);
    const auto it = t.by_device.find(device);
    if (it == t.by_device.end()) return 0;
    return fail(it->second.code,
                "device %d is unusable after a kernel failed (sticky until cudaDeviceReset): %s", device,
                it->second.message.c_str());
}

int sticky_get_last_error() {
    const int sticky = sticky_failure();  // records it, message included
    const int last = get_last_error();    // returns and resets the thread's own last error
    return sticky != err::cudaSuccess ? sticky : last;
}

int sticky_peek_at_last_error() {
    const int sticky = sticky_failure();
    return sticky != err::cudaSuccess ? sticky : peek_at_last_error();
}

void reset_sticky_errors(State&, const ResetScope& scope, ResetBatch&) {
    StickyTable& t = sticky_table();
    std::lock_guard<std::mutex> lock(t.mu);
    for (auto it = t.by_device.begin(); it != t.by_device.end();) {
        if (scope.covers(it->first)) {
            // The resetting thread's last error holds the sticky error only
            // because calls reported it; once the device is usable again,
            // cudaGetLastError must not say otherwise (other threads keep
            // theirs: a last error is per thread).
            if (peek_at_last_error() == it->second.code) get_last_error();
            it = t.by_device.erase(it);
            g_sticky_devices.fetch_sub(1, std::memory_order_release);
        } else {
            ++it;
        }
    }
}

}  // namespace sim
}  // namespace pygpu
