// What the emulated CUDA driver (emulated_driver.cpp, libcuda.so.1) offers the emulated cuDNN and cuBLAS
// (emulated_cudnn.cpp, emulated_cublas.cpp): they keep their work on the driver's streams, check device pointers
// against the driver's allocations and report leaks when a context is destroyed. C++ linkage: all three libraries
// are built by the same g++ (build-driver.sh); nothing else links against these functions.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#define EMU_EXPORT __attribute__((visibility("default")))

namespace emu_companion {
// The driver's lock: every call of a companion library holds it, so companion state and driver state change
// together (work queued on a stream runs under it too, so queued work must not take other locks).
EMU_EXPORT std::recursive_mutex& lock();
// The calling thread's current context (opaque; null when none or destroyed).
EMU_EXPORT void* current_context();
// The context of a live stream handle (null: the current context's legacy stream), or null for a bad handle.
EMU_EXPORT void* stream_context(void* stream);
// True when [p, p + bytes) lies inside one live device allocation of context ctx.
EMU_EXPORT bool device_range(void* ctx, const void* p, std::size_t bytes);
// The context's sticky error (0 when none).
EMU_EXPORT int sticky_error(void* ctx);
// Queues `run` on `stream` (null: the legacy stream of the current context) as one operation, like a kernel
// launch: it runs lazily, ordered like the driver's own work, and the guard bytes of every allocation of the
// stream's context are checked after it. False for a bad stream.
EMU_EXPORT bool enqueue(void* stream, const std::string& what, std::function<void()> run);
// Registers a leak check that runs when a context is destroyed; it logs what is still alive for that context and
// returns how many; a non-zero sum is fatal under EMU_CUDA_LEAKS_FATAL, as the driver's own leaks are.
EMU_EXPORT void on_context_destroy(std::function<int(void* ctx)> check);
// Logs one line on stderr with the library's prefix.
EMU_EXPORT void log(const std::string& library, const std::string& message);
// Whether EMU_CUDA_TRACE asks for every call to be logged.
EMU_EXPORT bool tracing();
// Fills [p, p + bytes) with the NaN pattern of new memory.
EMU_EXPORT void fill_nan(void* p, std::size_t bytes);

// Logs a companion call's result (every call under EMU_CUDA_TRACE, failures always) and returns it.
inline int ret(const char* library, int r, const char* call) {
    if (tracing() || r != 0) log(library, std::string(call) + " -> " + std::to_string(r));
    return r;
}

// Logs "call: why" and returns status (through ret).
inline int fail(const char* library, const char* call, const std::string& why, int status) {
    log(library, std::string(call) + ": " + why);
    return ret(library, status, call);
}

// The start of every companion entry point: the driver's lock, and the call's name as call_ for ret / fail.
#define EMU_COMPANION_CALL(name)                                          \
    std::lock_guard<std::recursive_mutex> guard_(emu_companion::lock()); \
    const char* call_ = name

// "" when `floats` floats at p lie inside one live device allocation of ctx (or there are none), else why not.
inline std::string range_problem(void* ctx, const char* what, const void* p, std::size_t floats) {
    if (floats == 0) return "";
    if (p == nullptr) return std::string(what) + " is null";
    if (!device_range(ctx, p, floats * sizeof(float)))
        return std::string(what) + " [" + std::to_string((uintptr_t) p) + ", +" + std::to_string(floats * 4) +
               " bytes) is not inside one live device allocation of the handle's context";
    return "";
}

// A companion library's live handles (H has members ctx and stream), each bound to the context current when it
// was created, as the real libraries bind theirs to the current device.
template <typename H>
struct Handles {
    std::set<H*> live;

    // A new handle for the current context in *out: 0, `bad` for a null out, `noContext` (logged) when none is current.
    int create(H** out, int bad, int noContext, const char* library, const char* call) {
        if (out == nullptr) return bad;
        void* ctx = current_context();
        if (ctx == nullptr) {
            log(library, std::string(call) + ": no current CUDA context");
            return noContext;
        }
        H* h = new H{ctx};
        live.insert(h);
        *out = h;
        return 0;
    }

    bool destroy(H* h) {
        if (!live.erase(h)) return false;
        delete h;
        return true;
    }

    // "" when h is live, its context is current and its stream belongs to it; else why not.
    std::string problem(H* h) const {
        if (!live.count(h)) return "not a live handle";
        if (current_context() != h->ctx) return "the handle's context is not current (it works in the one it was created in)";
        if (stream_context(h->stream) != h->ctx) return "the handle's stream is gone or of another context";
        return "";
    }

    int alive(void* ctx) const {
        int n = 0;
        for (H* h : live) n += h->ctx == ctx;
        return n;
    }
};

// v rounded (to nearest) to TF32's 10-bit mantissa: how tensor-core float32 math reads its operands.
inline float tf32(float v) {
    if (!std::isfinite(v)) return v;
    uint32_t u;
    std::memcpy(&u, &v, 4);
    u = (u + 0x1000u) & 0xFFFFE000u;
    std::memcpy(&v, &u, 4);
    return v;
}
}  // namespace emu_companion
