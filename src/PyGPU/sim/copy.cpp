#include "PyGPU/sim/copy.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "PyGPU/common/block_cache.h"
#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

namespace {

const char* kind_label(int kind) {
    static const char* const kNames[] = {"cudaMemcpyHostToHost", "cudaMemcpyHostToDevice", "cudaMemcpyDeviceToHost",
                                         "cudaMemcpyDeviceToDevice", "cudaMemcpyDefault"};
    return kind >= 0 && kind <= 4 ? kNames[kind] : "an invalid kind";
}

// "the copy kind K says the destination is device memory", for the messages of
// the pointer checks: made once, not on every copy.
const char* side_context(int kind, bool destination, bool device) {
    static const std::vector<std::string> kTexts = [] {
        std::vector<std::string> t;
        for (int k = 0; k <= 4; ++k)
            for (const char* side : {"source", "destination"})
                for (const char* mem : {"host", "device"})
                    t.push_back(format("the copy kind %s says the %s is %s memory", kind_label(k), side, mem));
        return t;
    }();
    return kTexts[static_cast<size_t>(kind * 4 + (destination ? 2 : 0) + (device ? 1 : 0))].c_str();
}

// The staging buffer of a pageable host-to-device copy, alive until the
// queued copy has run. Large ones come from a cache of faulted-in blocks: a
// fresh block's page faults would cost more than the copy.
struct Staged {
    char* data = nullptr;
    size_t extent = 0;  // of a cached block; 0 for a small malloc'ed one
    Staged() = default;
    Staged(const Staged&) = delete;
    Staged& operator=(const Staged&) = delete;
    ~Staged();
};

BlockCache& staging_cache() {
    static BlockCache* cache = new BlockCache(size_t(256) << 20);  // never destroyed: workers may outlive statics
    return *cache;
}

Staged::~Staged() {
    if (extent != 0) {
        staging_cache().give(data, extent);
    } else {
        std::free(data);
    }
}

std::shared_ptr<Staged> stage(size_t bytes) {
    auto s = std::make_shared<Staged>();
    const size_t extent = bytes >= BlockCache::kSmallest ? BlockCache::extent_for(bytes) : 0;
    s->data = static_cast<char*>(extent != 0 ? staging_cache().take(extent) : std::malloc(bytes));
    if (s->data == nullptr) throw std::bad_alloc();
    s->extent = extent;
    return s;
}

// A strided region: `height` rows of `width` bytes, rows `pitch` apart. A 1D
// copy is one row.
struct Region2D {
    char* dst;
    size_t dpitch;
    const char* src;
    size_t spitch;
    size_t width;
    size_t height;
};

// memcpy, for a small block into a destination that is not 64-byte aligned
// in pieces of 2 KiB: glibc moves a block of a few KiB with `rep movsb`,
// which on current x86 runs 3 to 5 times slower into such a destination (a
// small numpy array is malloc'ed, 16-byte aligned: 4 KiB took 0.11 µs
// against 0.02), and pieces this small take its vector loop instead, as fast
// at any alignment. Larger blocks are left to glibc (there the difference
// fades, and its non-temporal path matters).
void copy_bytes(char* dst, const char* src, size_t n) {
    constexpr size_t kPiece = 2048, kPiecewiseUpTo = size_t(64) << 10;
    if (n > kPiece && n <= kPiecewiseUpTo && reinterpret_cast<uintptr_t>(dst) % 64 != 0) {
        for (; n > kPiece; n -= kPiece, dst += kPiece, src += kPiece) std::memcpy(dst, src, kPiece);
    }
    std::memcpy(dst, src, n);
}

void run_copy(const Region2D& r) {
    if (r.dpitch == r.width && r.spitch == r.width) {
        copy_bytes(r.dst, r.src, r.width * r.height);
        return;
    }
    for (size_t row = 0; row < r.height; ++row) {
        std::memcpy(r.dst + row * r.dpitch, r.src + row * r.spitch, r.width);
    }
}

// Bytes from the first to the last byte of the region, or false on overflow.
bool span_of(size_t pitch, size_t width, size_t height, size_t* out) {
    if (height > 1 && pitch > (std::numeric_limits<size_t>::max() - width) / (height - 1)) return false;
    *out = (height - 1) * pitch + width;
    return true;
}

bool overlap(const void* a, const void* b, size_t n) {
    const uintptr_t x = reinterpret_cast<uintptr_t>(a), y = reinterpret_cast<uintptr_t>(b);
    return x < y + n && y < x + n;
}

// The trace name and statistics bucket of a copy between host and device memory.
const char* direction_name(bool dst_device, bool src_device) {
    return dst_device ? (src_device ? "DtoD" : "HtoD") : (src_device ? "DtoH" : "HtoH");
}

Direction direction_of(bool dst_device, bool src_device) {
    return dst_device ? (src_device ? Direction::DtoD : Direction::HtoD) : (src_device ? Direction::DtoH : Direction::HtoH);
}

// A copy in the legacy default stream between the memories of different
// devices (CUDA Programming Guide, "Peer-to-Peer Memory Copy": it "does not
// start until all commands previously issued to either device have completed
// and runs to completion before any commands issued after the copy to either
// device can start"; cudaMemcpyPeer: serialised with the current device,
// srcDevice and dstDevice). The copy waits for everything queued on those
// devices and is queued on `queue_device`'s legacy stream; the other
// devices' legacy streams get a marker that waits for it, so their later
// blocking work is ordered after the copy too.
CompletionPtr serialized_copy(State& st, const std::set<int>& devices, int queue_device, WorkInfoPtr info,
                              std::function<void()> run) {
    std::vector<CompletionPtr> waits;
    for (int d : devices) {
        std::vector<CompletionPtr> p = pending_on_device(st, d);
        waits.insert(waits.end(), p.begin(), p.end());
    }
    CompletionPtr done =
        enqueue(st, st.devices[static_cast<size_t>(queue_device)]->legacy, std::move(info), std::move(run), waits);
    for (int d : devices) {
        if (d != queue_device) enqueue(st, st.devices[static_cast<size_t>(d)]->legacy, nullptr, nullptr, {done});
    }
    return done;
}

int stream_for(State& st, bool async, pygpu_stream_t handle, Stream** out) {
    if (async) return resolve_stream(st, handle, out);
    // The synchronous calls work on the current device's legacy default
    // stream, so they are ordered after work pending on its blocking streams.
    *out = st.devices[static_cast<size_t>(current_device())]->legacy.get();
    return err::cudaSuccess;
}

// The largest synchronous copy that runs with State::mu held (see copy()).
constexpr size_t kCopyUnderLock = size_t(64) << 10;

// The whole family of cudaMemcpy, cudaMemcpyAsync, cudaMemcpy2D(Async).
// `stream_drained`: the synchronous pageable host-to-device path has already
// waited for the stream (see below) and now checks everything again.
int copy(Region2D r, int kind, bool is_2d, bool async, pygpu_stream_t stream, bool stream_drained = false) {
    if (kind < PYGPU_MEMCPY_HOST_TO_HOST || kind > PYGPU_MEMCPY_DEFAULT) {
        return fail(err::cudaErrorInvalidMemcpyDirection,
                    "kind %d is not a cudaMemcpyKind; use 0 HostToHost, 1 HostToDevice, 2 DeviceToHost, 3 "
                    "DeviceToDevice or 4 Default",
                    kind);
    }
    // CUDA cudaMemcpy2D: width must not exceed either pitch.
    if (is_2d && (r.width > r.dpitch || r.width > r.spitch)) {
        const bool d = r.width > r.dpitch;
        return fail(err::cudaErrorInvalidPitchValue, "width %zu is larger than %s %zu; a row of width bytes must fit in the pitch",
                    r.width, d ? "dpitch" : "spitch", d ? r.dpitch : r.spitch);
    }
    State& st = state();
    std::unique_lock<std::mutex> lock(st.mu);
    Stream* s = nullptr;
    if (int e = stream_for(st, async, stream, &s)) return e;
    if (r.width == 0 || r.height == 0) return err::cudaSuccess;  // nothing to move, nothing queued
    if (r.dst == nullptr || r.src == nullptr) {
        return fail(err::cudaErrorInvalidValue, "%s is NULL but %zu bytes are to be copied", r.dst == nullptr ? "dst" : "src",
                    r.width * r.height);
    }
    size_t dspan = 0, sspan = 0;
    if (!span_of(r.dpitch, r.width, r.height, &dspan) || !span_of(r.spitch, r.width, r.height, &sspan)) {
        return fail(err::cudaErrorInvalidValue, "the region of %zu rows does not fit in the address space", r.height);
    }
    bool dst_device = kind == PYGPU_MEMCPY_HOST_TO_DEVICE || kind == PYGPU_MEMCPY_DEVICE_TO_DEVICE;
    bool src_device = kind == PYGPU_MEMCPY_DEVICE_TO_HOST || kind == PYGPU_MEMCPY_DEVICE_TO_DEVICE;
    if (kind == PYGPU_MEMCPY_DEFAULT) {
        // CUDA: the direction is inferred from the pointers (unified addressing).
        dst_device = device_of(st, r.dst) >= 0;
        src_device = device_of(st, r.src) >= 0;
    }
    const char* dst_ctx = side_context(kind, true, dst_device);
    const char* src_ctx = side_context(kind, false, src_device);
    bool dst_pinned = false, src_pinned = false;
    if (int e = dst_device ? check_device_range(st, "dst", r.dst, dspan, -1, dst_ctx)
                           : check_host_range(st, "dst", r.dst, dspan, &dst_pinned, dst_ctx)) {
        return e;
    }
    if (int e = src_device ? check_device_range(st, "src", r.src, sspan, -1, src_ctx)
                           : check_host_range(st, "src", r.src, sspan, &src_pinned, src_ctx)) {
        return e;
    }
    if (is_2d) {
        // CUDA: cudaMemcpy2D returns an error when a pitch exceeds the maximum
        // allowed (cudaDeviceProp::memPitch) for device memory.
        const size_t max_pitch = 2147483647;
        if ((dst_device && r.dpitch > max_pitch) || (src_device && r.spitch > max_pitch)) {
            return fail(err::cudaErrorInvalidPitchValue, "%s %zu exceeds the device's largest pitch (memPitch = %zu)",
                        dst_device && r.dpitch > max_pitch ? "dpitch" : "spitch",
                        dst_device && r.dpitch > max_pitch ? r.dpitch : r.spitch, max_pitch);
        }
    } else if (overlap(r.dst, r.src, r.width)) {
        // CUDA: the memory areas may not overlap (undefined otherwise).
        return fail(err::cudaErrorInvalidValue, "dst %p and src %p overlap over a copy of %zu bytes; the areas may not overlap",
                    static_cast<void*>(r.dst), static_cast<const void*>(r.src), r.width);
    }

    // When the host waits, per CUDA "API synchronization behavior":
    //  - host to device from pageable memory: the source is staged at call time
    //    and the call returns (cudaMemcpy, after waiting for the stream: "the
    //    DMA to final destination may not have completed"; cudaMemcpyAsync
    //    without waiting: the driver only "may" synchronise);
    //  - host to device from pinned memory: cudaMemcpy is synchronous,
    //    cudaMemcpyAsync fully asynchronous;
    //  - device to host: cudaMemcpy returns once the copy has completed, and so
    //    does cudaMemcpyAsync into pageable memory; into pinned memory the
    //    async copy is fully asynchronous;
    //  - device to device: no host-side synchronisation;
    //  - host to host: fully synchronous.
    const size_t bytes = r.width * r.height;
    if (!async && !(dst_device && src_device) && can_run_inline(st, *s)) {
        // The caller waits for this copy whatever path it takes (host to
        // device from pageable memory only until it is staged, which running
        // it to completion satisfies too): with nothing pending on the device,
        // doing it here is indistinguishable from queueing it, and saves the
        // hand-offs to the stream's worker and back.
        st.stats.moved(direction_of(dst_device, src_device), bytes);
        if (bytes <= kCopyUnderLock) {
            // A small copy runs with State::mu still held, so nothing else
            // can observe it half done: no other thread can queue work (on
            // this stream or one ordered with it), free or reset the memory,
            // record an event or ask what is pending until it has finished.
            // To every one of them the stream went from idle to idle, exactly
            // as if the copy had been queued and waited for; so it needs no
            // completion, no stream tail and no entry in flight, only its
            // place in the stream's count of items (stream order of the
            // memory pools and events). The bound keeps the lock's hold
            // short (a few µs at most) for the other threads.
            ran_under_lock(*s);
            run_copy(r);
            return err::cudaSuccess;
        }
        run_inline(st, *s,
                   work_info(is_2d ? "cudaMemcpy2D" : "cudaMemcpy", direction_name(dst_device, src_device), bytes,
                             {Range{reinterpret_cast<uintptr_t>(r.dst), dspan}, Range{reinterpret_cast<uintptr_t>(r.src), sspan}}),
                   [&r] { run_copy(r); }, lock);
        return err::cudaSuccess;
    }
    bool wait = false;
    std::shared_ptr<Staged> staged;
    if (!dst_device && !src_device) {
        wait = true;
    } else if (dst_device && !src_device) {
        if (src_pinned) {
            wait = !async;
        } else if (!async && !stream_drained) {
            // cudaMemcpy from pageable memory: "a stream sync is performed
            // before the copy is initiated". Wait for the work already queued
            // (a marker on the stream), then check and stage afresh: the
            // memory may have changed hands while we waited.
            CompletionPtr marker = enqueue(st, s->shared_from_this(), nullptr, nullptr);
            lock.unlock();
            marker->wait();
            return copy(r, kind, is_2d, async, stream, true);
        } else {
            // Staged now, so the caller may reuse its buffer as soon as we return.
            staged = stage(r.width * r.height);
            for (size_t row = 0; row < r.height; ++row) {
                std::memcpy(staged->data + row * r.width, r.src + row * r.spitch, r.width);
            }
            r.src = staged->data;
            r.spitch = r.width;
        }
    } else if (!dst_device && src_device) {
        wait = !async || !dst_pinned;
    }
    // What the queued copy touches: both regions, except a staged source
    // (the caller's buffer was read at call time).
    std::vector<Range> ranges{Range{reinterpret_cast<uintptr_t>(r.dst), dspan}};
    if (!staged) ranges.push_back(Range{reinterpret_cast<uintptr_t>(r.src), sspan});
    const char* call = is_2d ? (async ? "cudaMemcpy2DAsync" : "cudaMemcpy2D") : (async ? "cudaMemcpyAsync" : "cudaMemcpy");
    WorkInfoPtr info =
        work_info(call, direction_name(dst_device, src_device), bytes, std::move(ranges));
    CompletionPtr done;
    const int dst_dev = dst_device ? device_of(st, r.dst) : -1;
    const int src_dev = src_device ? device_of(st, r.src) : -1;
    if (!async && dst_device && src_device && dst_dev != src_dev) {
        // Between the memories of two devices, in the implicit NULL stream:
        // ordered like cudaMemcpyPeer (see serialized_copy).
        done = serialized_copy(st, {s->device, dst_dev, src_dev}, s->device, std::move(info),
                               [r, staged] { run_copy(r); });
    } else {
        done = enqueue(st, s->shared_from_this(), std::move(info), [r, staged] { run_copy(r); });
    }
    st.stats.moved(direction_of(dst_device, src_device), bytes);
    lock.unlock();
    if (wait) done->wait();
    return err::cudaSuccess;
}

int peer(void* dst, int dst_device, const void* src, int src_device, size_t count, bool async, pygpu_stream_t stream) {
    State& st = state();
    std::unique_lock<std::mutex> lock(st.mu);
    if (int e = check_device(st, dst_device, "dstDevice")) return e;
    if (int e = check_device(st, src_device, "srcDevice")) return e;
    std::shared_ptr<Stream> s;
    if (async) {
        if (int e = resolve_stream(st, stream, &s)) return e;
    }
    if (count == 0) return err::cudaSuccess;
    if (dst == nullptr || src == nullptr) {
        return fail(err::cudaErrorInvalidValue, "%s is NULL but %zu bytes are to be copied", dst == nullptr ? "dst" : "src",
                    count);
    }
    const std::string dst_ctx = format("cudaMemcpyPeer copies into memory of dstDevice %d", dst_device);
    const std::string src_ctx = format("cudaMemcpyPeer copies from memory of srcDevice %d", src_device);
    if (int e = check_device_range(st, "dst", dst, count, dst_device, dst_ctx.c_str())) return e;
    if (int e = check_device_range(st, "src", src, count, src_device, src_ctx.c_str())) return e;
    if (overlap(dst, src, count)) {
        return fail(err::cudaErrorInvalidValue, "dst %p and src %p overlap over a copy of %zu bytes", dst, src, count);
    }
    const Region2D r{static_cast<char*>(dst), count, static_cast<const char*>(src), count, count, 1};
    WorkInfoPtr info = work_info(async ? "cudaMemcpyPeerAsync" : "cudaMemcpyPeer", nullptr, count,
                                 {Range{reinterpret_cast<uintptr_t>(dst), count}, Range{reinterpret_cast<uintptr_t>(src), count}});
    st.stats.moved(Direction::peer, count);
    if (async) {
        enqueue(st, s, std::move(info), [r] { run_copy(r); });
        return err::cudaSuccess;
    }
    // CUDA cudaMemcpyPeer: asynchronous with respect to the host, but
    // serialised with all pending and future work on the current device,
    // srcDevice and dstDevice; queued on dstDevice's legacy stream.
    serialized_copy(st, {current_device(), src_device, dst_device}, dst_device, std::move(info), [r] { run_copy(r); });
    return err::cudaSuccess;
}

int set(void* ptr, int value, size_t count, bool async, pygpu_stream_t stream) {
    State& st = state();
    std::unique_lock<std::mutex> lock(st.mu);
    Stream* s = nullptr;
    if (int e = stream_for(st, async, stream, &s)) return e;
    if (count == 0) return err::cudaSuccess;
    if (ptr == nullptr) return fail(err::cudaErrorInvalidValue, "devPtr is NULL but %zu bytes are to be set", count);
    const Allocation* al = st.memory.containing(reinterpret_cast<uintptr_t>(ptr));
    bool pinned = false;
    if (al != nullptr && !on_device_block(al->kind)) {
        // Pinned or registered host memory is mapped for the device.
        if (int e = check_host_range(st, "devPtr", ptr, count, &pinned, "cudaMemset needs device or pinned memory")) return e;
    } else {
        if (int e = check_device_range(st, "devPtr", ptr, count, -1, "cudaMemset needs device memory")) return e;
    }
    char* p = static_cast<char*>(ptr);
    const unsigned char byte = static_cast<unsigned char>(value);
    WorkInfoPtr info = work_info(async ? "cudaMemsetAsync" : "cudaMemset", nullptr, count,
                                 {Range{reinterpret_cast<uintptr_t>(ptr), count}});
    CompletionPtr done =
        enqueue(st, s->shared_from_this(), std::move(info), [p, byte, count] { std::memset(p, byte, count); });
    st.stats.moved(Direction::memset, count);
    lock.unlock();
    // CUDA: cudaMemset is asynchronous with respect to the host, except when
    // the target is pinned host memory; cudaMemsetAsync always is.
    if (!async && pinned) done->wait();
    return err::cudaSuccess;
}

}  // namespace

int memcpy_sync(void* dst, const void* src, size_t count, int kind) {
    return api(Call::cudaMemcpy, [&] {
        return copy(Region2D{static_cast<char*>(dst), count, static_cast<const char*>(src), count, count, 1}, kind, false,
                    false, nullptr);
    });
}

int memcpy_async(void* dst, const void* src, size_t count, int kind, pygpu_stream_t stream) {
    return api(Call::cudaMemcpyAsync, [&] {
        return copy(Region2D{static_cast<char*>(dst), count, static_cast<const char*>(src), count, count, 1}, kind, false,
                    true, stream);
    });
}

int memcpy_2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height, int kind) {
    return api(Call::cudaMemcpy2D, [&] {
        return copy(Region2D{static_cast<char*>(dst), dpitch, static_cast<const char*>(src), spitch, width, height}, kind,
                    true, false, nullptr);
    });
}

int memcpy_2d_async(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height, int kind,
                    pygpu_stream_t stream) {
    return api(Call::cudaMemcpy2DAsync, [&] {
        return copy(Region2D{static_cast<char*>(dst), dpitch, static_cast<const char*>(src), spitch, width, height}, kind,
                    true, true, stream);
    });
}

int memcpy_peer(void* dst, int dst_device, const void* src, int src_device, size_t count) {
    return api(Call::cudaMemcpyPeer, [&] { return peer(dst, dst_device, src, src_device, count, false, nullptr); });
}

int memcpy_peer_async(void* dst, int dst_device, const void* src, int src_device, size_t count, pygpu_stream_t stream) {
    return api(Call::cudaMemcpyPeerAsync, [&] { return peer(dst, dst_device, src, src_device, count, true, stream); });
}

int memset_sync(void* ptr, int value, size_t count) {
    return api(Call::cudaMemset, [&] { return set(ptr, value, count, false, nullptr); });
}

int memset_async(void* ptr, int value, size_t count, pygpu_stream_t stream) {
    return api(Call::cudaMemsetAsync, [&] { return set(ptr, value, count, true, stream); });
}

}  // namespace sim
}  // namespace pygpu
