#include "PyGPU/sim/host_access.h"

#include <link.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "PyGPU/sim/errors.h"

namespace pygpu {
namespace sim {

namespace {

std::atomic<bool> g_table_taken{false};
std::atomic<bool> g_refusal_told{false};

// Whether PyGPU's _core (…/PyGPU/_core.<abi>.so) is loaded in the process.
// The scan of the loaded objects runs again only when the dynamic loader has
// loaded something since the last one (dlpi_adds), so a call costs one
// callback when nothing changed.
struct CoreScan {
    unsigned long long adds = 0;
    bool adds_known = false;
    bool rescan = false;
    bool found = false;
};

int scan_object(struct dl_phdr_info* info, size_t size, void* data) {
    auto* scan = static_cast<CoreScan*>(data);
    if (!scan->rescan) {
        if (size < offsetof(struct dl_phdr_info, dlpi_adds) + sizeof(info->dlpi_adds)) {
            scan->rescan = true;  // an old loader without the counter: always scan
        } else if (!scan->adds_known || scan->adds != info->dlpi_adds) {
            scan->adds = info->dlpi_adds;
            scan->adds_known = true;
            scan->rescan = true;
        } else {
            return 1;  // nothing loaded since the last scan: keep its answer
        }
        scan->found = false;
    }
    const char* name = info->dlpi_name;
    if (name != nullptr && std::strstr(name, "/PyGPU/_core.") != nullptr) {
        scan->found = true;
        return 1;
    }
    return 0;
}

bool pygpu_core_loaded() {
    static std::mutex mu;
    static CoreScan scan;
    std::lock_guard<std::mutex> lock(mu);
    scan.rescan = false;
    dl_iterate_phdr(scan_object, &scan);
    return scan.found;
}

#define PYGPU_SIM_REFUSAL                                                                                   \
    "%s: PyGPU is imported in this process with another backend than the simulated device (cuda or hip), so " \
    "this code would use a second, separate simulated device that PyGPU does not see; run with "              \
    "PYGPU_BACKEND=sim to use the simulated device from Python too, or build this code with the GPU toolkit "  \
    "(nvcc, hipcc) for the GPU"

}  // namespace

void note_table_taken() { g_table_taken.store(true, std::memory_order_release); }

int host_access_refused(const char* call) {
    if (g_table_taken.load(std::memory_order_acquire) || !pygpu_core_loaded()) return err::cudaSuccess;
    const int code = fail(err::cudaErrorNotSupported, PYGPU_SIM_REFUSAL, call);
    if (!g_refusal_told.exchange(true)) std::fprintf(stderr, "PyGPU simulated device: %s\n", last_message());
    return code;
}

}  // namespace sim
}  // namespace pygpu
