#include "PyGPU/sim/module.h"

#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "PyGPU/sim/launch.h"
#include "PyGPU/sim/state.h"
#include "PyGPU/sim/stream.h"

namespace pygpu {
namespace sim {

namespace {

struct GlobalEntry {
    void* address;
    size_t size;
};

// One dlopen'ed library: what its constructors registered, and how many
// module handles share it.
struct Image {
    void* handle = nullptr;
    std::map<std::string, const void*> kernels;
    std::map<std::string, GlobalEntry> globals;
    int handles = 0;
};

struct Module {
    std::shared_ptr<Image> image;
    int fd = -1;  // the memfd or temporary file of an image in memory, open until unload
};

// The registry: live modules by handle, images by dlopen handle. Its lock is
// taken alone, never with State::mu.
struct Modules {
    // Serialises a load (dlopen with the registrations its constructors make,
    // then the image's record) and the last unload of an image (its record
    // erased, then dlclose): else a thread's dlopen of a library another
    // thread is loading returns with no constructor run and finds no record
    // yet (its module would have no kernels), or finds the library still open
    // after the record of its last unload was erased. Taken before `mu` or
    // State::mu, never while holding them.
    std::mutex load_mu;
    std::mutex mu;
    std::unordered_map<const Module*, std::unique_ptr<Module>> live;
    std::unordered_map<void*, std::shared_ptr<Image>> images;
};

Modules& modules() {
    static Modules* m = new Modules();
    return *m;
}

thread_local Image* t_loading = nullptr;

// A handle this registry gave out and that is still loaded (NULL when not);
// the registry's lock held.
Module* find_module(pygpu_module_t handle) {
    Modules& m = modules();
    const auto it = m.live.find(reinterpret_cast<const Module*>(handle));
    return it == m.live.end() ? nullptr : it->second.get();
}

const char* machine_name(unsigned machine) {
    switch (machine) {
        case EM_X86_64: return "x86-64";
        case EM_386: return "x86";
        case EM_AARCH64: return "AArch64";
        case 190: return "NVIDIA CUDA (a cubin)";      // EM_CUDA
        case 224: return "AMD GPU (a HIP code object)";  // EM_AMDGPU
        default: return "another machine";
    }
}

#if defined(__x86_64__)
constexpr unsigned kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kHostMachine = EM_AARCH64;
#else
constexpr unsigned kHostMachine = 0;  // not checked
#endif

// A simulated-device library is a shared object for this machine. Anything
// else (PTX text, a fatbin, a cubin or AMD code object) is refused before
// dlopen with a message saying what it is.
int check_image(const char* call, const unsigned char* p, size_t n) {
    if (n < sizeof(Elf64_Ehdr) || std::memcmp(p, ELFMAG, SELFMAG) != 0) {
        const bool ptx = n >= 2 && (std::memcmp(p, "//", 2) == 0 || std::memcmp(p, ".v", 2) == 0);
        return fail(err::cudaErrorInvalidKernelImage,
                    "%s: the image is not a simulated-device kernel library (no ELF header%s); build one with "
                    "PyGPU.sim.compile",
                    call, ptx ? "; it looks like PTX, which only the cuda backend loads" : "");
    }
    Elf64_Ehdr h;
    std::memcpy(&h, p, sizeof h);
    if (p[EI_CLASS] != ELFCLASS64 || (kHostMachine != 0 && h.e_machine != kHostMachine) || h.e_type != ET_DYN) {
        return fail(err::cudaErrorInvalidKernelImage,
                    "%s: the image is an ELF file for %s (type %u), not a simulated-device kernel library (a shared "
                    "library for this host built with PyGPU.sim.compile)",
                    call, machine_name(h.e_machine), static_cast<unsigned>(h.e_type));
    }
    return err::cudaSuccess;
}

int read_header(const char* path, std::vector<unsigned char>* out) {
    FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
        return fail(err::cudaErrorInvalidValue, "cudaLibraryLoadFromFile: cannot open '%s': %s", path,
                    std::strerror(errno));
    }
    out->resize(sizeof(Elf64_Ehdr));
    out->resize(std::fread(out->data(), 1, out->size(), f));
    std::fclose(f);
    return err::cudaSuccess;
}

// dlopen with this thread's registrations going to `image`.
int open_library(const char* call, const char* path, int fd, pygpu_module_t* out) {
    Modules& m = modules();
    std::lock_guard<std::mutex> loading(m.load_mu);
    auto image = std::make_shared<Image>();
    t_loading = image.get();
    void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    t_loading = nullptr;
    if (handle == nullptr) {
        const char* why = dlerror();
        if (fd >= 0) close(fd);
        return fail(err::cudaErrorInvalidKernelImage, "%s: dlopen refused the library: %s", call,
                    why != nullptr ? why : "?");
    }
    std::lock_guard<std::mutex> lock(m.mu);
    auto& shared = m.images[handle];
    if (shared == nullptr) {
        image->handle = handle;
        shared = image;
    } else {
        // Already loaded: dlopen ran no constructor this time and the first
        // load's record holds the kernels (nothing to add, as loads are
        // serialised; kept for a library that registers more on a later load).
        shared->kernels.insert(image->kernels.begin(), image->kernels.end());
        shared->globals.insert(image->globals.begin(), image->globals.end());
    }
    ++shared->handles;
    auto mod = std::make_unique<Module>();
    mod->image = shared;
    mod->fd = fd;
    *out = reinterpret_cast<pygpu_module_t>(mod.get());
    m.live.emplace(mod.get(), std::move(mod));
    return err::cudaSuccess;
}

// The module's names of one kind, for the message of an unknown name.
template <class Map>
std::string names_of(const Map& map) {
    std::string s;
    for (const auto& kv : map) s += (s.empty() ? "" : ", ") + kv.first;
    return s.empty() ? std::string("none") : s;
}

// Finds `name` among a loaded module's kernels or globals (`member`) and
// hands the entry to `found`; an unknown name's message lists the module's.
template <class Map, class Found>
int look_up(const char* call, pygpu_module_t module, Map Image::*member, const char* kind, const char* name,
            Found&& found) {
    std::lock_guard<std::mutex> lock(modules().mu);
    const Module* mod = find_module(module);
    if (mod == nullptr) {
        return fail(err::cudaErrorInvalidResourceHandle, "%s: %p is not a loaded library", call,
                    static_cast<void*>(module));
    }
    const Map& map = (*mod->image).*member;
    const auto it = map.find(name);
    if (it == map.end()) {
        return fail(err::cudaErrorSymbolNotFound, "%s: no %s '%s' in the library; its %ss: %s", call, kind, name, kind,
                    names_of(map).c_str());
    }
    found(it->second);
    return err::cudaSuccess;
}

}  // namespace

void module_registered_kernel(const void* host_stub, const char* name) {
    if (t_loading != nullptr) t_loading->kernels[name] = host_stub;
}

void module_registered_global(const void* addr, size_t size, const char* name) {
    if (t_loading != nullptr) t_loading->globals[name] = GlobalEntry{const_cast<void*>(addr), size};
}

int library_load_from_file(pygpu_module_t* module, const char* path) {
    return api(Call::cudaLibraryLoadFromFile, [&] {
        if (module == nullptr || path == nullptr) {
            return fail(err::cudaErrorInvalidValue, "cudaLibraryLoadFromFile: library and fileName must not be NULL");
        }
        std::vector<unsigned char> header;
        if (int e = read_header(path, &header)) return e;
        if (int e = check_image("cudaLibraryLoadFromFile", header.data(), header.size())) return e;
        return open_library("cudaLibraryLoadFromFile", path, -1, module);
    });
}

int library_load_data(pygpu_module_t* module, const void* image, size_t size) {
    return api(Call::cudaLibraryLoadData, [&] {
        if (module == nullptr || image == nullptr) {
            return fail(err::cudaErrorInvalidValue, "cudaLibraryLoadData: library and code must not be NULL");
        }
        const auto* bytes = static_cast<const unsigned char*>(image);
        if (int e = check_image("cudaLibraryLoadData", bytes, size)) return e;
        // A memfd (or an unlinked temporary file), kept open until unload so
        // that its /proc/self/fd name, which dlopen remembers, is not reused.
        int fd = static_cast<int>(syscall(SYS_memfd_create, "pygpu-module", 1u /* MFD_CLOEXEC */));
        if (fd < 0) {
            char tmpl[] = "/tmp/pygpu-module-XXXXXX";
            fd = mkstemp(tmpl);
            if (fd >= 0) unlink(tmpl);
        }
        if (fd < 0) {
            return fail(err::cudaErrorMemoryAllocation, "cudaLibraryLoadData: no memfd or temporary file: %s",
                        std::strerror(errno));
        }
        for (size_t done = 0; done < size;) {
            const ssize_t w = write(fd, bytes + done, size - done);
            if (w <= 0) {
                close(fd);
                return fail(err::cudaErrorMemoryAllocation, "cudaLibraryLoadData: writing the image failed: %s",
                            std::strerror(errno));
            }
            done += static_cast<size_t>(w);
        }
        return open_library("cudaLibraryLoadData", format("/proc/self/fd/%d", fd).c_str(), fd, module);
    });
}

int library_unload(pygpu_module_t module) {
    return api(Call::cudaLibraryUnload, [&] {
        std::unique_ptr<Module> mod;
        std::shared_ptr<Image> image;
        Modules& m = modules();
        std::lock_guard<std::mutex> loading(m.load_mu);  // until dlclose
        {
            std::lock_guard<std::mutex> lock(m.mu);
            const auto it = m.live.find(reinterpret_cast<const Module*>(module));
            if (it == m.live.end()) {
                return fail(err::cudaErrorInvalidResourceHandle,
                            "cudaLibraryUnload: %p is not a loaded library (unloaded already?)",
                            static_cast<void*>(module));
            }
            mod = std::move(it->second);
            m.live.erase(it);
            image = mod->image;
            if (--image->handles == 0) {
                m.images.erase(image->handle);
                for (const auto& kv : image->kernels) unregister_kernel(kv.second);
            }
        }
        if (image->handles == 0) {
            // Launches already queued still run the library's code.
            State& st = state();
            std::unique_lock<std::mutex> lock(st.mu);
            std::vector<CompletionPtr> pending = pending_everywhere(st);
            lock.unlock();
            wait_all(pending);
        }
        dlclose(image->handle);
        if (mod->fd >= 0) close(mod->fd);
        return err::cudaSuccess;
    });
}

int library_get_kernel(pygpu_function_t* function, pygpu_module_t module, const char* name) {
    return api(Call::cudaLibraryGetKernel, [&] {
        if (function == nullptr || name == nullptr) {
            return fail(err::cudaErrorInvalidValue, "cudaLibraryGetKernel: pKernel and name must not be NULL");
        }
        return look_up("cudaLibraryGetKernel", module, &Image::kernels, "kernel", name, [&](const void* stub) {
            *function = reinterpret_cast<pygpu_function_t>(const_cast<void*>(stub));
        });
    });
}

int library_get_global(void** address, size_t* size, pygpu_module_t module, const char* name) {
    return api(Call::cudaLibraryGetGlobal, [&] {
        if (address == nullptr || size == nullptr || name == nullptr) {
            return fail(err::cudaErrorInvalidValue, "cudaLibraryGetGlobal: dptr, bytes and name must not be NULL");
        }
        return look_up("cudaLibraryGetGlobal", module, &Image::globals, "global", name, [&](const GlobalEntry& g) {
            *address = g.address;
            *size = g.size;
        });
    });
}

}  // namespace sim
}  // namespace pygpu
