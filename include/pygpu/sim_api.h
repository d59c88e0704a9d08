/* The simulated device's own API: what makes it a testing instrument.
 *
 * Reached through the backend table: `backend->extension(PYGPU_SIM_API_NAME)`
 * returns a `const pygpu_sim_api*` on the "sim" backend and NULL on every
 * other backend. Plain C types only, like pygpu/backend.h. Text results are
 * JSON, allocated by the simulated device and released with `free_text`.
 */
#ifndef PYGPU_SIM_API_H
#define PYGPU_SIM_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PYGPU_SIM_API_NAME "pygpu.sim.v1"
#define PYGPU_SIM_API_VERSION 1

typedef struct pygpu_sim_api {
    uint32_t version;     /* PYGPU_SIM_API_VERSION */
    uint32_t struct_size; /* sizeof(pygpu_sim_api) */

    /* Configuration: replace the devices (count, bytes each) while nothing
     * exists yet (no allocation, stream or event, no pending work). Returns
     * NULL on success, else why not (a static string). */
    const char* (*configure)(int devices, size_t memory_bytes);

    /* Chaos mode: with `enabled`, every queued work item first waits a
     * random delay in [0, max_delay_us] microseconds drawn from a generator
     * seeded with `seed`, so streams interleave differently from seed to
     * seed and a missing synchronisation shows. */
    void (*set_chaos)(int enabled, uint64_t seed, uint32_t max_delay_us);

    /* Error injection: the calls named `call` ("cudaMalloc", ...) after the
     * first `after` ones fail with `error`, `count` times (0: forever). A
     * failure is exactly like a real one: last error set, message set,
     * nothing done. Returns 0, or 1 for an unknown call name. */
    int (*inject)(const char* call, int error, uint64_t after, uint64_t count);
    void (*clear_injections)(void);

    /* Label for the calling thread's next allocation (device or pinned);
     * NULL or "" clears it. */
    void (*set_next_label)(const char* label);

    /* Inspection, as JSON text:
     *  stats: {"calls": {name: n}, "bytes": {"HtoD": n, "DtoH": n, "DtoD": n,
     *          "HtoH": n, "peer": n, "memset": n}, "devices": [{"allocations": n,
     *          "frees": n, "current_bytes": n, "peak_bytes": n}], "pinned":
     *          {"allocations": n, "frees": n, "current_bytes": n, "peak_bytes": n},
     *          "kernels": {name: {"launches": n, "blocks": n, "threads": n,
     *          "failures": n, "time_us": x}}, "reports": [text, ...]}
     *  allocations: [{"address": n, "size": n, "device": n, "kind":
     *          "device"|"pinned"|"registered", "label": text, "origin": text}]
     *  trace: Chrome trace event format, {"traceEvents": [...]}, one complete
     *          ("X") event per queued operation recorded since trace_start,
     *          with its name ("kernel <name>" for a launch, with "grid" and
     *          "block" in its args), device (pid) and stream (tid), start and
     *          duration in microseconds. */
    char* (*stats_json)(void);
    char* (*allocations_json)(void);
    void (*trace_start)(void);
    char* (*trace_stop_json)(void);
    void (*free_text)(char* text);

    /* Back to the initial state: wait for all queued work, free every
     * allocation, invalidate every stream and event, clear statistics,
     * reports, injections, labels, peer access, traces and chaos, every
     * device's last error on the calling thread, current device 0. Returns 0. */
    int (*reset)(void);
} pygpu_sim_api;

#ifdef __cplusplus
}
#endif

#endif /* PYGPU_SIM_API_H */
