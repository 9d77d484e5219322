// An emulated CUDA driver: a libcuda.so.1 that runs Spatialconv's kernels on the CPU under the host emulation
// (emu.hpp, dispatch.hpp), so the Java host code (JCuda's real JNI binding, CudaContext, CudaBackend,
// CudaDeviceRuntime) runs end to end on a machine without a GPU. Built by build-driver.sh; the conv and decomposition modules run their GPU tests on it (surefire execution emulated-driver).
//
// It implements the driver calls Spatialconv makes and no others (a call it lacks fails with the dynamic linker's
// "undefined symbol"), with the semantics that matter for correctness, made as unforgiving as they are allowed to
// be:
// - Work queued on a stream runs lazily: only when something on the host waits for it (stream, event or context
//   synchronisation, a synchronous copy to pageable memory, freeing memory), and only up to what is waited for.
//   A consumer that misses a wait therefore reads stale data, deterministically, instead of winning a race.
// - cuStreamWaitEvent waits for the event's latest record at the time of the call (none: no wait). The legacy
//   stream (handle 0) is ordered with blocking streams, never with CU_STREAM_NON_BLOCKING ones.
// - Asynchronous copies read and write page-locked host memory when they run, not when they are queued; copies
//   from pageable memory take the data at the call, as the real driver stages it.
// - New device and page-locked memory is filled with NaN, not zero. Each device allocation has guard bytes on both
//   sides (as many as it has); a kernel or copy that touches them is CUDA_ERROR_ILLEGAL_ADDRESS, sticky for the context.
// - Every call needs a current context where the real one does; handles are checked; a context destroyed with
//   memory, streams, events or modules still alive is reported on stderr (and is an error exit with
//   EMU_CUDA_LEAKS_FATAL=1).
// What it cannot tell: anything about speed, concurrency between streams (nothing runs concurrently), warps, the
// GPU memory model, alignment or the real driver's undocumented behaviour.
//
// Environment: EMU_CUDA_DEVICES (default 1), EMU_CUDA_SCHEDULE=lazy|eager (default lazy: eager runs each
// operation when it is queued), EMU_CUDA_TRACE=1 (every call on stderr), EMU_CUDA_LEAKS_FATAL=1.
#include "dispatch.hpp"
#include "emu_companion.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <set>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

namespace {

enum : int {
    OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_INITIALIZED = 3, NO_DEVICE = 100, INVALID_DEVICE = 101,
    INVALID_IMAGE = 200, INVALID_CONTEXT = 201, INVALID_HANDLE = 400, NOT_FOUND = 500, NOT_READY = 600,
    ILLEGAL_ADDRESS = 700, LAUNCH_OUT_OF_RESOURCES = 701, CONTEXT_IS_DESTROYED = 709, NOT_SUPPORTED = 801
};

const char* error_name(int e) {
    switch (e) {
        case OK: return "CUDA_SUCCESS";
        case INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
        case NO_DEVICE: return "CUDA_ERROR_NO_DEVICE";
        case INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
        case INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
        case INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
        case INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
        case NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case NOT_READY: return "CUDA_ERROR_NOT_READY";
        case ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case LAUNCH_OUT_OF_RESOURCES: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
        case CONTEXT_IS_DESTROYED: return "CUDA_ERROR_CONTEXT_IS_DESTROYED";
        case NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
        default: return nullptr;
    }
}

// Guard bytes on each side of a device allocation: as many as it has (at least 4 KiB), so a kernel that overruns
// by up to its buffer's length hits the guard, not the heap.
size_t guard_bytes(size_t bytes) { return std::max<size_t>(4096, (bytes + 63) / 64 * 64); }
const unsigned char GUARD_BYTE = 0xA5;
const uint32_t FILL = 0x7FC0DEADu;   // a quiet NaN: what new memory holds
const size_t DEVICE_BYTES = 8ull << 30;  // the emulated device's memory: more in all is CUDA_ERROR_OUT_OF_MEMORY

struct Ctx;
struct Stream;

// A position in a stream's sequence of operations: everything up to `pos` operations.
struct Mark {
    Stream* stream = nullptr;
    uint64_t pos = 0;
};

struct Op {
    std::string what;
    std::vector<Mark> deps;
    std::function<int()> run;  // returns a CUresult; non-zero is sticky for the context
};

struct Stream {
    Ctx* ctx;
    bool nonBlocking;
    bool legacy;
    bool destroyed = false;
    std::deque<Op> queue;
    uint64_t queued = 0;    // operations ever queued
    uint64_t executed = 0;  // operations ever run
};

struct Event {
    Ctx* ctx;
    bool timing;
    bool recorded = false;
    Mark mark;
    double ms = -1;  // host time when the record ran, for cuEventElapsedTime
};

struct Module {
    Ctx* ctx;
};

struct Func {
    Module* module;
    std::string name;
};

struct Alloc {
    Ctx* ctx;
    size_t bytes;
    size_t guard;
    unsigned char* base;  // guard + bytes + guard
};

struct Ctx {
    int device;
    int sticky = OK;
    Stream* legacy = nullptr;
    std::set<Stream*> streams;  // live user streams
};

std::recursive_mutex lock;
bool initialised = false;
int deviceCount = 1;
bool eager = false;
bool trace = false;
std::set<Ctx*> contexts;
std::set<Event*> events;
std::set<Module*> modules;
std::set<Func*> funcs;
std::map<uintptr_t, Alloc> allocs;         // by device address (the payload's first byte)
std::map<uintptr_t, size_t> pinned;        // page-locked host memory: address -> bytes
size_t allocated = 0;
thread_local Ctx* current = nullptr;
std::vector<std::function<int(void*)>> companionLeakChecks;  // emulated cuDNN / cuBLAS (emu_companion.hpp)

void log(const std::string& m) { std::fprintf(stderr, "emulated-cuda: %s\n", m.c_str()); }

std::string hex(uintptr_t p) {
    char b[32];
    std::snprintf(b, sizeof b, "0x%llx", (unsigned long long) p);
    return b;
}

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The allocation containing [p, p + bytes), or null.
Alloc* find_alloc(uintptr_t p, size_t bytes) {
    auto it = allocs.upper_bound(p);
    if (it == allocs.begin()) return nullptr;
    --it;
    if (p < it->first || p + bytes > it->first + it->second.bytes) return nullptr;
    return &it->second;
}

bool is_pinned(const void* p, size_t bytes) {
    uintptr_t a = (uintptr_t) p;
    auto it = pinned.upper_bound(a);
    if (it == pinned.begin()) return false;
    --it;
    return a >= it->first && a + bytes <= it->first + it->second;
}

// Guard bytes intact on every allocation of ctx; names the first broken one.
int check_guards(Ctx* ctx, const std::string& after) {
    for (auto& [addr, a] : allocs) {
        if (a.ctx != ctx) continue;
        for (size_t i = 0; i < a.guard; i++) {
            if (a.base[i] != GUARD_BYTE || a.base[a.guard + a.bytes + i] != GUARD_BYTE) {
                log(after + " wrote outside the allocation at " + hex(addr) + " (" + std::to_string(a.bytes) +
                    " bytes): CUDA_ERROR_ILLEGAL_ADDRESS");
                std::memset(a.base, GUARD_BYTE, a.guard);
                std::memset(a.base + a.guard + a.bytes, GUARD_BYTE, a.guard);
                return ILLEGAL_ADDRESS;
            }
        }
    }
    return OK;
}

void run_until(Stream* s, uint64_t pos);

void run_one(Stream* s) {
    Op op = std::move(s->queue.front());
    s->queue.pop_front();
    for (const Mark& m : op.deps) run_until(m.stream, m.pos);
    if (s->ctx->sticky == OK) {
        int r = op.run();
        if (r != OK && s->ctx->sticky == OK) s->ctx->sticky = r;
    }
    s->executed++;
}

void run_until(Stream* s, uint64_t pos) {
    while (s->executed < pos && !s->queue.empty()) run_one(s);
}

void run_all(Stream* s) { run_until(s, s->queued); }

void sync_ctx(Ctx* c) {
    run_all(c->legacy);
    for (Stream* s : c->streams) run_all(s);
}

// What an operation on s must wait for besides s's own earlier work: the legacy stream waits for every blocking
// stream, and a blocking stream for the legacy stream.
std::vector<Mark> implicit_deps(Stream* s) {
    std::vector<Mark> d;
    if (s->legacy) {
        for (Stream* o : s->ctx->streams)
            if (!o->nonBlocking) d.push_back({o, o->queued});
    } else if (!s->nonBlocking) {
        d.push_back({s->ctx->legacy, s->ctx->legacy->queued});
    }
    return d;
}

void enqueue(Stream* s, std::string what, std::function<int()> run, std::vector<Mark> deps = {}) {
    for (const Mark& m : implicit_deps(s)) deps.push_back(m);
    s->queue.push_back(Op{std::move(what), std::move(deps), std::move(run)});
    s->queued++;
    if (eager) run_all(s);
}

int ret(int r, const char* call) {
    if (trace || (r != OK && r != NOT_READY)) {
        const char* n = error_name(r);
        if (r != OK || trace) log(std::string(call) + " -> " + (n ? n : std::to_string(r)));
    }
    return r;
}

#define CALL(name)                                       \
    std::lock_guard<std::recursive_mutex> guard_(lock); \
    const char* call_ = name;                            \
    if (trace) log(std::string("call ") + call_)
#define RET(r) return ret((r), call_)
#define NEED_INIT() \
    if (!initialised) RET(NOT_INITIALIZED)
#define NEED_DEVICE(d) \
    if ((d) < 0 || (d) >= deviceCount) RET(INVALID_DEVICE)
#define NEED_CTX()                                  \
    NEED_INIT();                                    \
    if (current == nullptr) RET(INVALID_CONTEXT); \
    if (!contexts.count(current)) RET(CONTEXT_IS_DESTROYED); \
    if (current->sticky != OK) RET(current->sticky)

// The stream a call names: 0 is the current context's legacy stream.
Stream* stream_of(void* h) {
    if (h == nullptr) return current ? current->legacy : nullptr;
    Stream* s = (Stream*) h;
    for (Ctx* c : contexts)
        if (c->streams.count(s)) return s;
    return nullptr;
}

void fill_nan(void* p, size_t bytes) {
    uint32_t* q = (uint32_t*) p;
    for (size_t i = 0; i < bytes / 4; i++) q[i] = FILL;
    std::memset((char*) p + bytes / 4 * 4, 0xFF, bytes % 4);
}

// Reads kernel arguments from the driver's void** (each entry points at the argument's value).
struct ParamArgs {
    void** kp;
    size_t at = 0;
    void* next(const char* k) {
        if (kp == nullptr) throw KernelArgError(std::string(k) + ": kernelParams is null");
        return kp[at++];
    }
    float* b(const char* k) {
        size_t i = at;
        CUdeviceptr v;
        std::memcpy(&v, next(k), sizeof v);
        if (v != 0 && find_alloc((uintptr_t) v, 1) == nullptr)
            throw KernelArgError(std::string(k) + ": argument " + std::to_string(i) + " (" + hex(v) +
                                 ") is not in any live device allocation");
        return (float*) (uintptr_t) v;
    }
    int i(const char* k) {
        int v;
        std::memcpy(&v, next(k), sizeof v);
        return v;
    }
    float f(const char* k) {
        float v;
        std::memcpy(&v, next(k), sizeof v);
        return v;
    }
    template <typename S>
    S s(const char* k) {
        S v;
        std::memcpy(&v, next(k), sizeof v);
        return v;
    }
    void end(const char*) {}
};

struct Report {
    ~Report() {
        std::lock_guard<std::recursive_mutex> g(lock);
        if (contexts.empty()) return;
        log(std::to_string(contexts.size()) + " context(s) never destroyed, " + std::to_string(allocs.size()) +
            " device allocation(s) alive at exit");
    }
} report;

int leak_report(Ctx* c) {
    size_t n = 0, bytes = 0, ev = 0, mod = 0;
    for (auto& [a, al] : allocs)
        if (al.ctx == c) n++, bytes += al.bytes;
    for (Event* e : events) ev += e->ctx == c;
    for (Module* m : modules) mod += m->ctx == c;
    size_t st = c->streams.size();
    if (n + ev + mod + st == 0) return 0;
    log("context destroyed with " + std::to_string(n) + " allocation(s) (" + std::to_string(bytes) + " bytes), " +
        std::to_string(st) + " stream(s), " + std::to_string(ev) + " event(s), " + std::to_string(mod) +
        " module(s) still alive");
    return 1;
}

}  // namespace

extern "C" {
#pragma GCC visibility push(default)

CUresult cuInit(unsigned flags) {
    CALL("cuInit");
    if (flags != 0) RET(INVALID_VALUE);
    const char* d = std::getenv("EMU_CUDA_DEVICES");
    deviceCount = d ? std::atoi(d) : 1;
    const char* sch = std::getenv("EMU_CUDA_SCHEDULE");
    eager = sch && std::string(sch) == "eager";
    const char* tr = std::getenv("EMU_CUDA_TRACE");
    trace = tr && *tr && std::string(tr) != "0";
    initialised = true;
    RET(deviceCount > 0 ? OK : NO_DEVICE);
}

CUresult cuDriverGetVersion(int* v) {
    CALL("cuDriverGetVersion");
    if (v == nullptr) RET(INVALID_VALUE);
    *v = 13000;
    RET(OK);
}

CUresult cuDeviceGetCount(int* n) {
    CALL("cuDeviceGetCount");
    NEED_INIT();
    if (n == nullptr) RET(INVALID_VALUE);
    *n = deviceCount;
    RET(OK);
}

CUresult cuDeviceGet(int* dev, int ordinal) {
    CALL("cuDeviceGet");
    NEED_INIT();
    if (dev == nullptr) RET(INVALID_VALUE);
    NEED_DEVICE(ordinal);
    *dev = ordinal;
    RET(OK);
}

CUresult cuDeviceGetName(char* name, int len, int dev) {
    CALL("cuDeviceGetName");
    NEED_INIT();
    if (name == nullptr || len <= 0) RET(INVALID_VALUE);
    NEED_DEVICE(dev);
    std::snprintf(name, (size_t) len, "Spatialconv emulated CUDA device %d (CPU, not a GPU)", dev);
    RET(OK);
}

CUresult cuDeviceGetAttribute(int* v, int attr, int dev) {
    CALL("cuDeviceGetAttribute");
    NEED_INIT();
    if (v == nullptr) RET(INVALID_VALUE);
    NEED_DEVICE(dev);
    switch (attr) {  // what the host code asks: an H100-like device
        case 16: *v = 132; break;  // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
        case 75: *v = 9; break;    // compute capability major
        case 76: *v = 0; break;    // minor
        default: RET(INVALID_VALUE);
    }
    RET(OK);
}

CUresult cuCtxCreate_v2(Ctx** out, unsigned flags, int dev) {
    CALL("cuCtxCreate");
    NEED_INIT();
    if (out == nullptr) RET(INVALID_VALUE);
    NEED_DEVICE(dev);
    (void) flags;
    Ctx* c = new Ctx{dev};
    c->legacy = new Stream{c, false, true};
    contexts.insert(c);
    current = c;
    *out = c;
    RET(OK);
}

CUresult cuCtxDestroy_v2(Ctx* c) {
    CALL("cuCtxDestroy");
    NEED_INIT();
    if (!contexts.count(c)) RET(INVALID_CONTEXT);
    sync_ctx(c);
    int leaked = leak_report(c);
    for (auto& check : companionLeakChecks) leaked += check(c);
    if (leaked && std::getenv("EMU_CUDA_LEAKS_FATAL")) {
        log("EMU_CUDA_LEAKS_FATAL is set: exiting with status 97");
        std::fflush(stderr);
        std::_Exit(97);
    }
    for (auto it = allocs.begin(); it != allocs.end();) {
        if (it->second.ctx == c) {
            allocated -= it->second.bytes;
            std::free(it->second.base);
            it = allocs.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = events.begin(); it != events.end();) it = (*it)->ctx == c ? events.erase(it) : std::next(it);
    for (auto it = modules.begin(); it != modules.end();) it = (*it)->ctx == c ? modules.erase(it) : std::next(it);
    for (auto it = funcs.begin(); it != funcs.end();) it = modules.count((*it)->module) ? std::next(it) : funcs.erase(it);
    for (Stream* s : c->streams) s->destroyed = true;
    contexts.erase(c);
    if (current == c) current = nullptr;
    RET(OK);  // Ctx and Stream objects are not freed: stale handles stay detectable and marks stay valid
}

CUresult cuCtxSetCurrent(Ctx* c) {
    CALL("cuCtxSetCurrent");
    NEED_INIT();
    if (c != nullptr && !contexts.count(c)) RET(INVALID_CONTEXT);
    current = c;
    RET(OK);
}

CUresult cuCtxSynchronize() {
    CALL("cuCtxSynchronize");
    NEED_CTX();
    sync_ctx(current);
    RET(current->sticky);
}

CUresult cuModuleLoadData(Module** out, const void* image) {
    CALL("cuModuleLoadData");
    NEED_CTX();
    if (out == nullptr || image == nullptr) RET(INVALID_VALUE);
    uint32_t magic;
    std::memcpy(&magic, image, 4);
    const char* text = (const char*) image;
    // A fatbin (magic 0xBA55ED50), or PTX text.
    if (magic != 0xBA55ED50u && std::strncmp(text, "//", 2) != 0 && std::strncmp(text, ".version", 8) != 0) {
        log("cuModuleLoadData: the image is neither a fatbin nor PTX");
        RET(INVALID_IMAGE);
    }
    Module* m = new Module{current};
    modules.insert(m);
    *out = m;
    RET(OK);
}

CUresult cuModuleGetFunction(Func** out, Module* m, const char* name) {
    CALL("cuModuleGetFunction");
    NEED_CTX();
    if (out == nullptr || name == nullptr) RET(INVALID_VALUE);
    if (!modules.count(m)) RET(INVALID_HANDLE);
    const auto& names = emu_kernel_names();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
        log(std::string("cuModuleGetFunction: no kernel named ") + name);
        RET(NOT_FOUND);
    }
    Func* f = new Func{m, name};
    funcs.insert(f);
    *out = f;
    RET(OK);
}

CUresult cuModuleUnload(Module* m) {
    CALL("cuModuleUnload");
    NEED_INIT();
    if (!modules.count(m)) RET(INVALID_HANDLE);
    sync_ctx(m->ctx);
    modules.erase(m);
    for (auto it = funcs.begin(); it != funcs.end();) it = (*it)->module == m ? funcs.erase(it) : std::next(it);
    delete m;
    RET(OK);
}

CUresult cuMemAlloc_v2(CUdeviceptr* out, size_t bytes) {
    CALL("cuMemAlloc");
    NEED_CTX();
    if (out == nullptr || bytes == 0) RET(INVALID_VALUE);
    if (allocated + bytes > DEVICE_BYTES) RET(OUT_OF_MEMORY);
    size_t guard = guard_bytes(bytes);
    unsigned char* base = (unsigned char*) std::malloc(bytes + 2 * guard);
    if (base == nullptr) RET(OUT_OF_MEMORY);
    std::memset(base, GUARD_BYTE, guard);
    std::memset(base + guard + bytes, GUARD_BYTE, guard);
    fill_nan(base + guard, bytes);
    uintptr_t addr = (uintptr_t) (base + guard);
    allocs[addr] = Alloc{current, bytes, guard, base};
    allocated += bytes;
    *out = addr;
    RET(OK);
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    CALL("cuMemFree");
    NEED_INIT();
    auto it = allocs.find((uintptr_t) p);
    if (it == allocs.end()) {
        log("cuMemFree(" + hex(p) + "): not the start of a live allocation");
        RET(INVALID_VALUE);
    }
    // The real driver waits for work that may still use the memory; so does this.
    Ctx* c = it->second.ctx;
    sync_ctx(c);
    int g = check_guards(c, "work before cuMemFree");
    it = allocs.find((uintptr_t) p);
    allocated -= it->second.bytes;
    std::free(it->second.base);
    allocs.erase(it);
    if (g != OK && c->sticky == OK) c->sticky = g;
    RET(c->sticky);
}

CUresult cuMemHostAlloc(void** out, size_t bytes, unsigned flags) {
    CALL("cuMemHostAlloc");
    NEED_CTX();
    (void) flags;
    if (out == nullptr || bytes == 0) RET(INVALID_VALUE);
    void* p = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    if (p == nullptr) RET(OUT_OF_MEMORY);
    fill_nan(p, bytes);
    pinned[(uintptr_t) p] = bytes;
    *out = p;
    RET(OK);
}

CUresult cuMemAllocHost_v2(void** out, size_t bytes) { return cuMemHostAlloc(out, bytes, 0); }

CUresult cuMemFreeHost(void* p) {
    CALL("cuMemFreeHost");
    NEED_INIT();
    auto it = pinned.find((uintptr_t) p);
    if (it == pinned.end()) RET(INVALID_VALUE);
    // Queued copies may still read or write it: run everything first, as the real driver synchronises.
    for (Ctx* c : contexts) sync_ctx(c);
    pinned.erase(it);
    std::free(p);
    RET(OK);
}

#pragma GCC visibility pop
}  // extern "C"

namespace {

// Checks a device range; on failure logs and returns INVALID_VALUE.
int device_range(const char* call, CUdeviceptr p, size_t bytes) {
    if (find_alloc((uintptr_t) p, bytes) != nullptr) return OK;
    log(std::string(call) + ": device range [" + hex(p) + ", +" + std::to_string(bytes) +
        ") is not inside one live allocation");
    return INVALID_VALUE;
}

int pinned_range(const char* call, const void* p, size_t bytes) {
    if (is_pinned(p, bytes)) return OK;
    log(std::string(call) + ": host range [" + hex((uintptr_t) p) + ", +" + std::to_string(bytes) +
        ") is not page-locked memory from cuMemAllocHost");
    return INVALID_VALUE;
}

// Queues a copy of `bytes` from src to dst on s (memmove: peer and device copies may overlap).
void queue_copy(Stream* s, const char* what, void* dst, const void* src, size_t bytes) {
    enqueue(s, what, [=] {
        std::memmove(dst, src, bytes);
        return OK;
    });
}

// Host to device: from page-locked memory the copy reads the host when it runs; from pageable memory the data
// is taken now (the real driver stages it before returning).
int h2d(const char* call, CUdeviceptr dst, const void* src, size_t bytes, Stream* s) {
    if (int r = device_range(call, dst, bytes)) return r;
    if (bytes == 0) return OK;
    if (is_pinned(src, bytes)) {
        queue_copy(s, call, (void*) (uintptr_t) dst, src, bytes);
    } else {
        auto data = std::make_shared<std::vector<unsigned char>>((const unsigned char*) src,
                                                                  (const unsigned char*) src + bytes);
        enqueue(s, call, [=] {
            std::memcpy((void*) (uintptr_t) dst, data->data(), bytes);
            return OK;
        });
    }
    return OK;
}

}  // namespace

extern "C" {
#pragma GCC visibility push(default)

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes) {
    CALL("cuMemcpyHtoD");
    NEED_CTX();
    RET(h2d(call_, dst, src, bytes, current->legacy));
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, void* stream) {
    CALL("cuMemcpyHtoDAsync");
    NEED_CTX();
    Stream* s = stream_of(stream);
    if (s == nullptr) RET(INVALID_HANDLE);
    RET(h2d(call_, dst, src, bytes, s));
}

CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
    CALL("cuMemcpyDtoH");
    NEED_CTX();
    if (int r = device_range(call_, src, bytes)) RET(r);
    // Synchronous: ordered after the legacy stream (and so after blocking streams), not after non-blocking ones.
    Stream* s = current->legacy;
    queue_copy(s, call_, dst, (const void*) (uintptr_t) src, bytes);
    run_all(s);
    RET(current->sticky);
}

CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, void* stream) {
    CALL("cuMemcpyDtoHAsync");
    NEED_CTX();
    Stream* s = stream_of(stream);
    if (s == nullptr) RET(INVALID_HANDLE);
    if (int r = device_range(call_, src, bytes)) RET(r);
    if (int r = pinned_range(call_, dst, bytes)) RET(r);  // JCuda hands pageable memory only to synchronous copies
    queue_copy(s, call_, dst, (const void*) (uintptr_t) src, bytes);
    RET(OK);
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, void* stream) {
    CALL("cuMemcpyDtoDAsync");
    NEED_CTX();
    Stream* s = stream_of(stream);
    if (s == nullptr) RET(INVALID_HANDLE);
    if (int r = device_range(call_, src, bytes)) RET(r);
    if (int r = device_range(call_, dst, bytes)) RET(r);
    queue_copy(s, call_, (void*) (uintptr_t) dst, (const void*) (uintptr_t) src, bytes);
    RET(OK);
}

CUresult cuMemcpyPeerAsync(CUdeviceptr dst, Ctx* dstCtx, CUdeviceptr src, Ctx* srcCtx, size_t bytes, void* stream) {
    CALL("cuMemcpyPeerAsync");
    NEED_CTX();
    if (!contexts.count(dstCtx) || !contexts.count(srcCtx)) RET(INVALID_CONTEXT);
    Stream* s = stream_of(stream);
    if (s == nullptr) RET(INVALID_HANDLE);
    Alloc* d = find_alloc((uintptr_t) dst, bytes);
    Alloc* r = find_alloc((uintptr_t) src, bytes);
    if (d == nullptr || r == nullptr) {
        if (int e = device_range(call_, dst, bytes)) RET(e);
        RET(device_range(call_, src, bytes));
    }
    if (d->ctx != dstCtx || r->ctx != srcCtx) {
        log("cuMemcpyPeerAsync: a pointer does not belong to the context named with it");
        RET(INVALID_VALUE);
    }
    queue_copy(s, call_, (void*) (uintptr_t) dst, (const void*) (uintptr_t) src, bytes);
    RET(OK);
}

CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned v, size_t count, void* stream) {
    CALL("cuMemsetD32Async");
    NEED_CTX();
    Stream* s = stream_of(stream);
    if (s == nullptr) RET(INVALID_HANDLE);
    if (int r = device_range(call_, dst, count * 4)) RET(r);
    enqueue(s, call_, [=] {
        uint32_t* p = (uint32_t*) (uintptr_t) dst;
        for (size_t i = 0; i < count; i++) p[i] = v;
        return OK;
    });
    RET(OK);
}

// Asynchronous with respect to the host for device memory, on the legacy stream.
CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned v, size_t count) { return cuMemsetD32Async(dst, v, count, nullptr); }

CUresult cuStreamCreate(Stream** out, unsigned flags) {
    CALL("cuStreamCreate");
    NEED_CTX();
    if (out == nullptr || (flags & ~1u) != 0) RET(INVALID_VALUE);
    Stream* s = new Stream{current, (flags & 1u) != 0, false};
    current->streams.insert(s);
    *out = s;
    RET(OK);
}

CUresult cuStreamDestroy_v2(Stream* h) {
    CALL("cuStreamDestroy");
    NEED_INIT();
    Stream* s = nullptr;
    for (Ctx* c : contexts)
        if (c->streams.count(h)) s = h;
    if (s == nullptr) RET(INVALID_HANDLE);
    run_all(s);  // the real driver lets queued work finish
    s->destroyed = true;
    s->ctx->streams.erase(s);
    RET(OK);
}

CUresult cuStreamSynchronize(void* h) {
    CALL("cuStreamSynchronize");
    NEED_CTX();
    Stream* s = stream_of(h);
    if (s == nullptr) RET(INVALID_HANDLE);
    run_all(s);
    RET(s->ctx->sticky);
}

CUresult cuEventCreate(Event** out, unsigned flags) {
    CALL("cuEventCreate");
    NEED_CTX();
    if (out == nullptr || (flags & ~3u) != 0) RET(INVALID_VALUE);
    Event* e = new Event{current, (flags & 2u) == 0};
    events.insert(e);
    *out = e;
    RET(OK);
}

CUresult cuEventDestroy_v2(Event* e) {
    CALL("cuEventDestroy");
    NEED_INIT();
    if (!events.count(e)) RET(INVALID_HANDLE);
    events.erase(e);
    RET(OK);  // not freed: queued operations may still hold it
}

CUresult cuEventRecord(Event* e, void* stream) {
    CALL("cuEventRecord");
    NEED_CTX();
    if (!events.count(e)) RET(INVALID_HANDLE);
    Stream* s = stream_of(stream);
    if (s == nullptr) RET(INVALID_HANDLE);
    if (s->ctx != e->ctx) {
        log("cuEventRecord: event and stream belong to different contexts");
        RET(INVALID_HANDLE);
    }
    enqueue(s, call_, [e] {
        e->ms = now_ms();
        return OK;
    });
    e->recorded = true;
    e->ms = -1;
    e->mark = Mark{s, s->queued};
    RET(OK);
}

CUresult cuEventSynchronize(Event* e) {
    CALL("cuEventSynchronize");
    NEED_INIT();
    if (!events.count(e)) RET(INVALID_HANDLE);
    if (e->recorded) run_until(e->mark.stream, e->mark.pos);
    RET(e->ctx->sticky);
}

CUresult cuEventElapsedTime(float* ms, Event* start, Event* end) {
    CALL("cuEventElapsedTime");
    NEED_INIT();
    if (ms == nullptr) RET(INVALID_VALUE);
    if (!events.count(start) || !events.count(end)) RET(INVALID_HANDLE);
    if (!start->timing || !end->timing || !start->recorded || !end->recorded) RET(INVALID_HANDLE);
    if (start->ms < 0 || end->ms < 0) RET(NOT_READY);
    *ms = (float) (end->ms - start->ms);
    RET(OK);
}

CUresult cuStreamWaitEvent(void* stream, Event* e, unsigned flags) {
    CALL("cuStreamWaitEvent");
    NEED_CTX();
    Stream* s = stream_of(stream);
    if (s == nullptr || !events.count(e)) RET(INVALID_HANDLE);
    if (flags != 0) RET(INVALID_VALUE);
    std::vector<Mark> deps;
    if (e->recorded) deps.push_back(e->mark);  // never recorded: no wait
    enqueue(s, call_, [] { return OK; }, deps);
    RET(OK);
}

CUresult cuLaunchKernel(Func* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned sharedBytes, void* stream, void** params, void** extra) {
    CALL("cuLaunchKernel");
    NEED_CTX();
    if (!funcs.count(f)) RET(INVALID_HANDLE);
    if (f->module->ctx != current) {
        log("cuLaunchKernel(" + f->name + "): the function's module belongs to another context");
        RET(INVALID_HANDLE);
    }
    Stream* s = stream_of(stream);
    if (s == nullptr) RET(INVALID_HANDLE);
    if (extra != nullptr) {
        log("cuLaunchKernel(" + f->name + "): 'extra' arguments are not emulated");
        RET(NOT_SUPPORTED);
    }
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gx > (unsigned) std::numeric_limits<int>::max() ||
        gy > 65535 || gz > 65535 || bx > 1024 || by > 1024 || bz > 64) {
        log("cuLaunchKernel(" + f->name + "): bad grid or block dimensions");
        RET(INVALID_VALUE);
    }
    if ((unsigned long) bx * by * bz > 1024) RET(INVALID_VALUE);
    unsigned want = emu_required_block(f->name);
    if (want != 0 && bx * by * bz != want) {
        log("cuLaunchKernel(" + f->name + "): the kernel is compiled for " + std::to_string(want) +
            " threads per block, launched with " + std::to_string(bx * by * bz));
        RET(LAUNCH_OUT_OF_RESOURCES);
    }
    if (sharedBytes != 0) {
        log("cuLaunchKernel(" + f->name + "): no Spatialconv kernel uses dynamic shared memory, " +
            std::to_string(sharedBytes) + " bytes asked");
        RET(INVALID_VALUE);
    }
    ParamArgs a{params};
    std::function<void()> kernel;
    try {
        kernel = emu_bind(f->name, dim3{gx, gy, gz}, dim3{bx, by, bz}, a);
    } catch (const KernelArgError& e) {
        log(std::string("cuLaunchKernel: ") + e.what());
        RET(INVALID_VALUE);
    }
    if (!kernel) RET(NOT_FOUND);
    Ctx* c = current;
    std::string name = f->name;
    enqueue(s, "kernel " + name, [kernel, c, name] {
        kernel();
        return check_guards(c, "kernel " + name);
    });
    RET(OK);
}

#pragma GCC visibility pop
}  // extern "C"

// The companion libraries' view of the driver (emu_companion.hpp).
namespace emu_companion {

std::recursive_mutex& lock() { return ::lock; }

void* current_context() {
    std::lock_guard<std::recursive_mutex> g(::lock);
    return current != nullptr && contexts.count(current) ? current : nullptr;
}

void* stream_context(void* stream) {
    std::lock_guard<std::recursive_mutex> g(::lock);
    Stream* s = stream_of(stream);
    return s == nullptr ? nullptr : s->ctx;
}

bool device_range(void* ctx, const void* p, std::size_t bytes) {
    std::lock_guard<std::recursive_mutex> g(::lock);
    Alloc* a = find_alloc((uintptr_t) p, bytes);
    return a != nullptr && a->ctx == ctx;
}

int sticky_error(void* ctx) {
    std::lock_guard<std::recursive_mutex> g(::lock);
    return contexts.count((Ctx*) ctx) ? ((Ctx*) ctx)->sticky : CONTEXT_IS_DESTROYED;
}

bool enqueue(void* stream, const std::string& what, std::function<void()> run) {
    std::lock_guard<std::recursive_mutex> g(::lock);
    Stream* s = stream_of(stream);
    if (s == nullptr) return false;
    Ctx* c = s->ctx;
    ::enqueue(s, what, [run, c, what] {
        run();
        return check_guards(c, what);
    });
    return true;
}

void on_context_destroy(std::function<int(void*)> check) {
    std::lock_guard<std::recursive_mutex> g(::lock);
    companionLeakChecks.push_back(std::move(check));
}

void log(const std::string& library, const std::string& message) {
    std::fprintf(stderr, "%s: %s\n", library.c_str(), message.c_str());
}

bool tracing() { return trace; }

void fill_nan(void* p, std::size_t bytes) { ::fill_nan(p, bytes); }

}  // namespace emu_companion
