// An emulated cuDNN 8: a libcudnn.so.8 that computes convolutions on the CPU (float64 accumulation) on the
// emulated CUDA driver's streams, so that JCudnn's real JNI binding and Spatialconv's CudnnConvEngine (descriptors,
// strided views, staging, the algorithm search and its filter, workspace, cleanup) run on a machine without a GPU.
// Built by build-driver.sh next to the emulated driver; the conv module's surefire execution emulated-fast-paths
// puts it on LD_LIBRARY_PATH. Not a model of cuDNN's speed or numerics: a model of its interface, as strict as
// the documentation allows:
// - every call checks its handle and descriptors (BAD_PARAM for a destroyed or never-set one, for a data type other
//   than float, for tensor shapes that do not match the convolution: y must be exactly what
//   cudnnGetConvolution2dForwardOutputDim gives);
// - every tensor's extent (from its strides) must lie inside one live device allocation of the handle's context,
//   and the handle's context must be current, otherwise BAD_PARAM with the reason on stderr;
// - beta == 0 writes without reading the destination (NaN there must not leak through), as cuDNN documents;
// - cudnnFind*Algorithm offers, fastest first, algorithms a careful caller refuses before an acceptable one, each
//   behaving as its entry says when it is used:
//     algo 1, non-deterministic: results vary from run to run in the last bit (as atomics' summation order does);
//     algo 2, deterministic but needs 16 GiB of workspace, more than the emulated device has;
//     algo 3, tensor-op math, offered only when the descriptor's math type is not CUDNN_FMA_MATH: it rounds its
//             operands to TF32 (10-bit mantissa) as cuDNN 8 does on Ampere and later under CUDNN_DEFAULT_MATH;
//     algo 4, status CUDNN_STATUS_NOT_SUPPORTED: calling it returns that status;
//     algo 0, deterministic float32, needing a problem-dependent workspace.
//   A call with less workspace than its algorithm needs is BAD_PARAM, and the workspace is overwritten with NaN
//   when the call runs;
// - work runs on the handle's stream, lazily, like kernels on the emulated driver;
// - handles alive when their context is destroyed, and descriptors created while it was current and still alive
//   then, are leaks (fatal with EMU_CUDA_LEAKS_FATAL=1, like the driver's).
// It implements the calls Spatialconv makes and no others: a missing one fails with the dynamic linker's
// "undefined symbol".
#include "emu_companion.hpp"

#include <cmath>
#include <cstdint>
#include <random>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace {

enum : int {
    SUCCESS = 0, NOT_INITIALIZED = 1, BAD_PARAM = 3, INTERNAL_ERROR = 4, EXECUTION_FAILED = 8, NOT_SUPPORTED = 9
};
enum : int { DATA_FLOAT = 0, FORMAT_NCHW = 0, MODE_CONVOLUTION = 0, MODE_CROSS_CORRELATION = 1 };
enum : int { NON_DETERMINISTIC = 0, DETERMINISTIC = 1 };
enum : int { DEFAULT_MATH = 0, TENSOR_OP_MATH = 1, TENSOR_OP_MATH_ALLOW_CONVERSION = 2, FMA_MATH = 3 };
const char* LIB = "emulated-cudnn";
const int UNSUPPORTED_ALGO = 4;  // Find reports it with CUDNN_STATUS_NOT_SUPPORTED
const size_t HUGE_WORKSPACE = (size_t) 16 << 30;  // algo 2's: more than the emulated device's 8 GiB

struct Handle {
    void* ctx;
    void* stream = nullptr;
};

struct TensorDesc {
    void* ctx;
    bool set = false;
    int dim[4] = {};
    long long stride[4] = {};
};

struct FilterDesc {
    void* ctx;
    bool set = false;
    int dim[4] = {};  // k, c, r, s, packed NCHW
};

struct ConvDesc {
    void* ctx;
    bool set = false;
    int pad[2] = {}, stride[2] = {}, dilation[2] = {};
    int mode = MODE_CROSS_CORRELATION;
    int groups = 1;
    int math = DEFAULT_MATH;
};

// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t (cuDNN 8): identical layouts.
struct AlgoPerf {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
};

emu_companion::Handles<Handle> handles;
std::set<TensorDesc*> tensors;
std::set<FilterDesc*> filters;
std::set<ConvDesc*> convs;

void log(const std::string& m) { emu_companion::log(LIB, m); }

#define CALL(name) EMU_COMPANION_CALL(name)
#define RET(r) return emu_companion::ret(LIB, (r), call_)
#define FAIL(msg) return emu_companion::fail(LIB, call_, (msg), BAD_PARAM)

// The leak check run when a context is destroyed.
struct Registration {
    Registration() {
        emu_companion::on_context_destroy([](void* ctx) {
            int h = handles.alive(ctx), d = 0;
            for (TensorDesc* x : tensors) d += x->ctx == ctx;
            for (FilterDesc* x : filters) d += x->ctx == ctx;
            for (ConvDesc* x : convs) d += x->ctx == ctx;
            if (h + d > 0)
                log("context destroyed with " + std::to_string(h) + " cuDNN handle(s) and " + std::to_string(d) +
                    " descriptor(s) created under it still alive");
            return h + d;
        });
    }
} registration;

// The last element's offset + 1 of a strided tensor: the floats its extent spans.
size_t extent(const TensorDesc& t) {
    long long last = 0;
    for (int i = 0; i < 4; i++) last += (long long) (t.dim[i] - 1) * t.stride[i];
    return (size_t) last + 1;
}

size_t elems(const FilterDesc& f) { return (size_t) f.dim[0] * f.dim[1] * f.dim[2] * f.dim[3]; }

// "" when the handle is usable from this thread, else why not.
std::string handle_problem(Handle* h) { return handles.problem(h); }

std::string range_problem(Handle* h, const char* what, const void* p, size_t floats) {
    return emu_companion::range_problem(h->ctx, what, p, floats);
}

std::string tensor_problem(TensorDesc* t, const char* what) {
    if (!tensors.count(t)) return std::string(what) + " is not a live tensor descriptor";
    if (!t->set) return std::string(what) + " was never set";
    return "";
}

// The output size of the convolution along spatial dimension s for an input of `in` rows and a filter of `r` taps.
int out_dim(const ConvDesc& c, int s, int in, int r) {
    int span = (r - 1) * c.dilation[s] + 1;
    int num = in + 2 * c.pad[s] - span;
    return num < 0 ? 0 : num / c.stride[s] + 1;
}

// Checks x (input space), w, y (output space) against the convolution; "" when they fit.
std::string shape_problem(TensorDesc* x, FilterDesc* w, ConvDesc* c, TensorDesc* y) {
    if (std::string p = tensor_problem(x, "the input-space descriptor"); !p.empty()) return p;
    if (std::string p = tensor_problem(y, "the output-space descriptor"); !p.empty()) return p;
    if (!filters.count(w) || !w->set) return "the filter descriptor is not live or not set";
    if (!convs.count(c) || !c->set) return "the convolution descriptor is not live or not set";
    int g = c->groups;
    if (x->dim[1] != w->dim[1] * g)
        return "input channels " + std::to_string(x->dim[1]) + " != filter channels " + std::to_string(w->dim[1]) +
               " x groups " + std::to_string(g);
    if (w->dim[0] % g != 0) return "filter count not divisible by groups";
    int want[4] = {x->dim[0], w->dim[0], out_dim(*c, 0, x->dim[2], w->dim[2]), out_dim(*c, 1, x->dim[3], w->dim[3])};
    for (int i = 0; i < 4; i++) {
        if (want[i] != y->dim[i] || want[i] <= 0) {
            std::string s;
            for (int j = 0; j < 4; j++) s += (j ? "," : "") + std::to_string(want[j]);
            std::string t;
            for (int j = 0; j < 4; j++) t += (j ? "," : "") + std::to_string(y->dim[j]);
            return "the output-space tensor is " + t + ", the convolution gives " + s;
        }
    }
    return "";
}

float host_scalar(const void* p) {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// The algorithms Find offers for a convolution descriptor, fastest first (see the top of this file).
std::vector<AlgoPerf> offers(const ConvDesc& c, size_t workspace) {
    int math = c.math == FMA_MATH ? FMA_MATH : DEFAULT_MATH;
    std::vector<AlgoPerf> v;
    v.push_back({1, SUCCESS, 0.10f, 0, NON_DETERMINISTIC, math, {}});
    v.push_back({2, SUCCESS, 0.20f, HUGE_WORKSPACE, DETERMINISTIC, math, {}});
    if (c.math != FMA_MATH) v.push_back({3, SUCCESS, 0.30f, 0, DETERMINISTIC, TENSOR_OP_MATH, {}});
    v.push_back({UNSUPPORTED_ALGO, NOT_SUPPORTED, -1.0f, 0, DETERMINISTIC, math, {}});
    v.push_back({0, SUCCESS, 0.50f, workspace, DETERMINISTIC, math, {}});
    return v;
}

const int MAX_ALGOS = 8;

// Workspace the emulated algorithm `algo` needs for a problem (algo 0: one filter's taps per output row, a
// problem-dependent amount so that a caller keeping one workspace for many problems must grow it).
size_t workspace_of(int algo, const FilterDesc& w, const TensorDesc& ys) {
    switch (algo) {
        case 0: return (size_t) w.dim[1] * w.dim[2] * w.dim[3] * ys.dim[3] * sizeof(float);
        case 2: return HUGE_WORKSPACE;
        default: return 0;
    }
}

// A strided float tensor view for the compute loops.
struct View {
    float* p;
    int dim[4];
    long long st[4];
    float& at(int n, int c, int h, int w) const { return p[n * st[0] + c * st[1] + h * st[2] + w * st[3]]; }
};

View view(const TensorDesc& t, const void* p) {
    View v{(float*) p, {t.dim[0], t.dim[1], t.dim[2], t.dim[3]}, {t.stride[0], t.stride[1], t.stride[2], t.stride[3]}};
    return v;
}

// What the algorithm a call names does to the arithmetic (see the top of this file).
struct Behaviour {
    bool tf32 = false;      // operands rounded to TF32
    bool jitter = false;    // results nudged by one ulp at random, differently on every run
};

Behaviour behaviour(int algo, const ConvDesc& c) {
    return Behaviour{algo == 3 && c.math != FMA_MATH, algo == 1};
}

// The operand as the algorithm reads it: rounded to TF32 when it uses tensor cores.
float operand(float v, const Behaviour& b) { return b.tf32 ? emu_companion::tf32(v) : v; }

// Writes alpha * acc + beta * old into every element of v (beta == 0: old is not read).
void store(const View& v, const std::vector<double>& acc, float alpha, float beta, const Behaviour& how = {}) {
    static std::mt19937 random(std::random_device{}());
    size_t i = 0;
    for (int n = 0; n < v.dim[0]; n++)
        for (int c = 0; c < v.dim[1]; c++)
            for (int h = 0; h < v.dim[2]; h++)
                for (int w = 0; w < v.dim[3]; w++, i++) {
                    float& d = v.at(n, c, h, w);
                    double r = alpha * acc[i];
                    d = (float) (beta == 0.0f ? r : r + (double) beta * d);
                    if (how.jitter && (random() & 1)) d = std::nextafter(d, (random() & 2) ? INFINITY : -INFINITY);
                }
}

// The convolution's index arithmetic, shared by the three passes: calls f(n, k, oh, ow, c, ih, iw, r, s) for every
// (output, tap) pair whose input element is inside x.
template <typename F>
void each_tap(const int* xd, const int* wd, const int* yd, const ConvDesc& c, F f) {
    int g = c.groups, kg = wd[0] / g, cg = wd[1];
    for (int n = 0; n < yd[0]; n++)
        for (int k = 0; k < yd[1]; k++)
            for (int oh = 0; oh < yd[2]; oh++)
                for (int ow = 0; ow < yd[3]; ow++)
                    for (int ci = 0; ci < cg; ci++) {
                        int cin = (k / kg) * cg + ci;
                        for (int r = 0; r < wd[2]; r++) {
                            int ih = oh * c.stride[0] - c.pad[0] + r * c.dilation[0];
                            if (ih < 0 || ih >= xd[2]) continue;
                            for (int s = 0; s < wd[3]; s++) {
                                int iw = ow * c.stride[1] - c.pad[1] + s * c.dilation[1];
                                if (iw < 0 || iw >= xd[3]) continue;
                                // CUDNN_CONVOLUTION flips the filter; cross-correlation does not.
                                int fr = c.mode == MODE_CONVOLUTION ? wd[2] - 1 - r : r;
                                int fs = c.mode == MODE_CONVOLUTION ? wd[3] - 1 - s : s;
                                f(n, k, oh, ow, ci, cin, ih, iw, fr, fs);
                            }
                        }
                    }
}

size_t flat(const int* d, int a, int b, int c, int e) { return (((size_t) a * d[1] + b) * d[2] + c) * d[3] + e; }

// Checks the handle, the shapes and every pointer of a convolution call; then the workspace against the algorithm.
std::string conv_problem(Handle* h, TensorDesc* xs, const void* x, FilterDesc* ws, const void* w, ConvDesc* cs,
                         TensorDesc* ys, const void* y, int algo, const void* work, size_t workBytes) {
    if (std::string p = handle_problem(h); !p.empty()) return p;
    if (std::string p = shape_problem(xs, ws, cs, ys); !p.empty()) return p;
    if (std::string p = range_problem(h, "the input-space tensor", x, extent(*xs)); !p.empty()) return p;
    if (std::string p = range_problem(h, "the filter", w, elems(*ws)); !p.empty()) return p;
    if (std::string p = range_problem(h, "the output-space tensor", y, extent(*ys)); !p.empty()) return p;
    if (algo < 0 || algo >= MAX_ALGOS) return "algorithm " + std::to_string(algo) + " does not exist";
    size_t need = workspace_of(algo, *ws, *ys);
    if (need > workBytes)
        return "algorithm " + std::to_string(algo) + " needs " + std::to_string(need) + " bytes of workspace, " +
               std::to_string(workBytes) + " given";
    if (need > 0 && !emu_companion::device_range(h->ctx, work, workBytes))
        return "the workspace is not inside one live device allocation of the handle's context";
    return "";
}

// Queues the work, scribbling over the workspace the algorithm needs first (it is the algorithm's scratch).
int queue(Handle* h, const char* call, void* work, size_t workBytes, std::function<void()> run) {
    bool ok = emu_companion::enqueue(h->stream, std::string("cuDNN ") + call, [work, workBytes, run] {
        if (work != nullptr && workBytes > 0) emu_companion::fill_nan(work, workBytes);
        run();
    });
    return ok ? SUCCESS : BAD_PARAM;
}

enum class Pass { FORWARD, BACKWARD_DATA, BACKWARD_FILTER };

// One convolution pass: the checks, then the work queued on the handle's stream. xs / x is the input space (x, or
// dx for backward-data), ws / w the filter (w, or dw for backward-filter), ys / y the output space (y, or dy for
// the backward passes); the pass writes one of them: alpha times its sum plus beta times what was there.
int convolve(const char* call_, Pass pass, Handle* h, const void* alpha, const void* beta, TensorDesc* xs,
             const void* x, FilterDesc* ws, const void* w, ConvDesc* cs, TensorDesc* ys, const void* y, int algo,
             void* work, size_t workBytes) {
    if (alpha == nullptr || beta == nullptr) FAIL("null alpha or beta");
    if (algo == UNSUPPORTED_ALGO) {
        log(std::string(call_) + ": algorithm 4 is not supported for this problem (its Find entry said so)");
        RET(NOT_SUPPORTED);
    }
    if (std::string p = conv_problem(h, xs, x, ws, w, cs, ys, y, algo, work, workBytes); !p.empty()) FAIL(p);
    float a = host_scalar(alpha), b = host_scalar(beta);
    TensorDesc xd = *xs, yd = *ys;
    FilterDesc wd = *ws;
    ConvDesc cd = *cs;
    Behaviour how = behaviour(algo, cd);
    size_t need = workspace_of(algo, wd, yd);
    RET(queue(h, call_, work, need, [=] {
        View xv = view(xd, x), yv = view(yd, y);
        View wv{(float*) w, {wd.dim[0], wd.dim[1], wd.dim[2], wd.dim[3]},
                {(long long) wd.dim[1] * wd.dim[2] * wd.dim[3], (long long) wd.dim[2] * wd.dim[3], wd.dim[3], 1}};
        const View& out = pass == Pass::FORWARD ? yv : pass == Pass::BACKWARD_DATA ? xv : wv;
        std::vector<double> acc((size_t) out.dim[0] * out.dim[1] * out.dim[2] * out.dim[3]);
        each_tap(xd.dim, wd.dim, yd.dim, cd, [&](int n, int k, int oh, int ow, int ci, int cin, int ih, int iw, int r, int s) {
            switch (pass) {
                case Pass::FORWARD:
                    acc[flat(yd.dim, n, k, oh, ow)] +=
                        (double) operand(xv.at(n, cin, ih, iw), how) * operand(wv.at(k, ci, r, s), how);
                    break;
                case Pass::BACKWARD_DATA:
                    acc[flat(xd.dim, n, cin, ih, iw)] +=
                        (double) operand(yv.at(n, k, oh, ow), how) * operand(wv.at(k, ci, r, s), how);
                    break;
                case Pass::BACKWARD_FILTER:
                    acc[flat(wd.dim, k, ci, r, s)] +=
                        (double) operand(xv.at(n, cin, ih, iw), how) * operand(yv.at(n, k, oh, ow), how);
                    break;
            }
        });
        store(out, acc, a, b, how);
    }));
}

template <typename T>
int create(std::set<T*>& live, T** out) {
    if (out == nullptr) return BAD_PARAM;
    T* t = new T{emu_companion::current_context()};
    live.insert(t);
    *out = t;
    return SUCCESS;
}

template <typename T>
int destroy(std::set<T*>& live, T* t) {
    if (t == nullptr) return SUCCESS;  // cuDNN accepts a null descriptor
    if (!live.erase(t)) return BAD_PARAM;
    delete t;
    return SUCCESS;
}

template <typename P>
int find_algos(const char* call_, Handle* h, TensorDesc* xs, FilterDesc* ws, ConvDesc* cs, TensorDesc* ys, int requested,
         int* returned, P* results) {
    if (std::string p = handle_problem(h); !p.empty()) FAIL(p);
    if (std::string p = shape_problem(xs, ws, cs, ys); !p.empty()) FAIL(p);
    if (requested <= 0 || returned == nullptr || results == nullptr) FAIL("bad count or null result pointer");
    static_assert(sizeof(P) == sizeof(AlgoPerf), "perf struct layout");
    std::vector<AlgoPerf> o = offers(*cs, workspace_of(0, *ws, *ys));
    int n = std::min<int>(requested, (int) o.size());
    for (int i = 0; i < n; i++) std::memcpy(&results[i], &o[i], sizeof(AlgoPerf));
    *returned = n;
    RET(SUCCESS);
}

}  // namespace

extern "C" {
#pragma GCC visibility push(default)

// 8.9.99: major 8, as JCudnn 11.7 requires, and a version no cuDNN release has, so reports show it is this one.
size_t cudnnGetVersion() { return 8999; }
size_t cudnnGetCudartVersion() { return 11080; }

int cudnnCreate(Handle** out) {
    CALL("cudnnCreate");
    RET(handles.create(out, BAD_PARAM, NOT_INITIALIZED, LIB, call_));
}

int cudnnDestroy(Handle* h) {
    CALL("cudnnDestroy");
    RET(handles.destroy(h) ? SUCCESS : BAD_PARAM);
}

int cudnnSetStream(Handle* h, void* stream) {
    CALL("cudnnSetStream");
    if (!handles.live.count(h)) FAIL("not a live cuDNN handle");
    if (emu_companion::stream_context(stream) != h->ctx) FAIL("the stream is not a live stream of the handle's context");
    h->stream = stream;
    RET(SUCCESS);
}

int cudnnCreateTensorDescriptor(TensorDesc** out) {
    CALL("cudnnCreateTensorDescriptor");
    RET(create(tensors, out));
}
int cudnnDestroyTensorDescriptor(TensorDesc* t) {
    CALL("cudnnDestroyTensorDescriptor");
    RET(destroy(tensors, t));
}
int cudnnCreateFilterDescriptor(FilterDesc** out) {
    CALL("cudnnCreateFilterDescriptor");
    RET(create(filters, out));
}
int cudnnDestroyFilterDescriptor(FilterDesc* f) {
    CALL("cudnnDestroyFilterDescriptor");
    RET(destroy(filters, f));
}
int cudnnCreateConvolutionDescriptor(ConvDesc** out) {
    CALL("cudnnCreateConvolutionDescriptor");
    RET(create(convs, out));
}
int cudnnDestroyConvolutionDescriptor(ConvDesc* c) {
    CALL("cudnnDestroyConvolutionDescriptor");
    RET(destroy(convs, c));
}

int cudnnSetTensor4dDescriptorEx(TensorDesc* t, int type, int n, int c, int h, int w, int ns, int cs, int hs, int ws) {
    CALL("cudnnSetTensor4dDescriptorEx");
    if (!tensors.count(t)) FAIL("not a live tensor descriptor");
    if (type != DATA_FLOAT) RET(NOT_SUPPORTED);
    if (n <= 0 || c <= 0 || h <= 0 || w <= 0) FAIL("a dimension is not positive");
    if (ns <= 0 || cs <= 0 || hs <= 0 || ws <= 0) FAIL("a stride is not positive");
    *t = TensorDesc{t->ctx, true, {n, c, h, w}, {ns, cs, hs, ws}};
    RET(SUCCESS);
}

int cudnnSetFilter4dDescriptor(FilterDesc* f, int type, int format, int k, int c, int h, int w) {
    CALL("cudnnSetFilter4dDescriptor");
    if (!filters.count(f)) FAIL("not a live filter descriptor");
    if (type != DATA_FLOAT || format != FORMAT_NCHW) RET(NOT_SUPPORTED);
    if (k <= 0 || c <= 0 || h <= 0 || w <= 0) FAIL("a dimension is not positive");
    *f = FilterDesc{f->ctx, true, {k, c, h, w}};
    RET(SUCCESS);
}

int cudnnSetConvolution2dDescriptor(ConvDesc* c, int padH, int padW, int u, int v, int dilH, int dilW, int mode,
                                    int computeType) {
    CALL("cudnnSetConvolution2dDescriptor");
    if (!convs.count(c)) FAIL("not a live convolution descriptor");
    if (padH < 0 || padW < 0 || u <= 0 || v <= 0 || dilH <= 0 || dilW <= 0) FAIL("negative padding or non-positive stride/dilation");
    if (mode != MODE_CONVOLUTION && mode != MODE_CROSS_CORRELATION) FAIL("unknown mode");
    if (computeType != DATA_FLOAT) RET(NOT_SUPPORTED);
    c->set = true;
    c->pad[0] = padH, c->pad[1] = padW, c->stride[0] = u, c->stride[1] = v, c->dilation[0] = dilH, c->dilation[1] = dilW;
    c->mode = mode;
    RET(SUCCESS);
}

int cudnnSetConvolutionGroupCount(ConvDesc* c, int groups) {
    CALL("cudnnSetConvolutionGroupCount");
    if (!convs.count(c) || groups <= 0) FAIL("not a live convolution descriptor, or groups <= 0");
    c->groups = groups;
    RET(SUCCESS);
}

int cudnnSetConvolutionMathType(ConvDesc* c, int math) {
    CALL("cudnnSetConvolutionMathType");
    if (!convs.count(c) || math < DEFAULT_MATH || math > FMA_MATH) FAIL("not a live convolution descriptor, or bad math type");
    c->math = math;
    RET(SUCCESS);
}

int cudnnGetConvolutionForwardAlgorithmMaxCount(Handle* h, int* n) {
    CALL("cudnnGetConvolutionForwardAlgorithmMaxCount");
    if (!handles.live.count(h) || n == nullptr) RET(BAD_PARAM);
    *n = MAX_ALGOS;
    RET(SUCCESS);
}
int cudnnGetConvolutionBackwardDataAlgorithmMaxCount(Handle* h, int* n) {
    CALL("cudnnGetConvolutionBackwardDataAlgorithmMaxCount");
    if (!handles.live.count(h) || n == nullptr) RET(BAD_PARAM);
    *n = 6;
    RET(SUCCESS);
}
int cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(Handle* h, int* n) {
    CALL("cudnnGetConvolutionBackwardFilterAlgorithmMaxCount");
    if (!handles.live.count(h) || n == nullptr) RET(BAD_PARAM);
    *n = 7;
    RET(SUCCESS);
}

int cudnnFindConvolutionForwardAlgorithm(Handle* h, TensorDesc* xs, FilterDesc* ws, ConvDesc* cs, TensorDesc* ys,
                                         int requested, int* returned, AlgoPerf* results) {
    CALL("cudnnFindConvolutionForwardAlgorithm");
    return find_algos(call_, h, xs, ws, cs, ys, requested, returned, results);
}
int cudnnFindConvolutionBackwardDataAlgorithm(Handle* h, FilterDesc* ws, TensorDesc* dys, ConvDesc* cs,
                                              TensorDesc* dxs, int requested, int* returned, AlgoPerf* results) {
    CALL("cudnnFindConvolutionBackwardDataAlgorithm");
    return find_algos(call_, h, dxs, ws, cs, dys, requested, returned, results);
}
int cudnnFindConvolutionBackwardFilterAlgorithm(Handle* h, TensorDesc* xs, TensorDesc* dys, ConvDesc* cs,
                                                FilterDesc* dws, int requested, int* returned, AlgoPerf* results) {
    CALL("cudnnFindConvolutionBackwardFilterAlgorithm");
    return find_algos(call_, h, xs, dws, cs, dys, requested, returned, results);
}

int cudnnConvolutionForward(Handle* h, const void* alpha, TensorDesc* xs, const void* x, FilterDesc* ws, const void* w,
                            ConvDesc* cs, int algo, void* work, size_t workBytes, const void* beta, TensorDesc* ys,
                            void* y) {
    CALL("cudnnConvolutionForward");
    return convolve(call_, Pass::FORWARD, h, alpha, beta, xs, x, ws, w, cs, ys, y, algo, work, workBytes);
}

int cudnnConvolutionBackwardData(Handle* h, const void* alpha, FilterDesc* ws, const void* w, TensorDesc* dys,
                                 const void* dy, ConvDesc* cs, int algo, void* work, size_t workBytes,
                                 const void* beta, TensorDesc* dxs, void* dx) {
    CALL("cudnnConvolutionBackwardData");
    return convolve(call_, Pass::BACKWARD_DATA, h, alpha, beta, dxs, dx, ws, w, cs, dys, dy, algo, work, workBytes);
}

int cudnnConvolutionBackwardFilter(Handle* h, const void* alpha, TensorDesc* xs, const void* x, TensorDesc* dys,
                                   const void* dy, ConvDesc* cs, int algo, void* work, size_t workBytes,
                                   const void* beta, FilterDesc* dws, void* dw) {
    CALL("cudnnConvolutionBackwardFilter");
    return convolve(call_, Pass::BACKWARD_FILTER, h, alpha, beta, xs, x, dws, dw, cs, dys, dy, algo, work, workBytes);
}

int cudnnTransformTensor(Handle* h, const void* alpha, TensorDesc* xs, const void* x, const void* beta, TensorDesc* ys,
                         void* y) {
    CALL("cudnnTransformTensor");
    if (alpha == nullptr || beta == nullptr) FAIL("null alpha or beta");
    if (std::string p = handle_problem(h); !p.empty()) FAIL(p);
    if (std::string p = tensor_problem(xs, "xDesc"); !p.empty()) FAIL(p);
    if (std::string p = tensor_problem(ys, "yDesc"); !p.empty()) FAIL(p);
    for (int i = 0; i < 4; i++)
        if (xs->dim[i] != ys->dim[i]) FAIL("xDesc and yDesc differ in dimension " + std::to_string(i));
    if (std::string p = range_problem(h, "x", x, extent(*xs)); !p.empty()) FAIL(p);
    if (std::string p = range_problem(h, "y", y, extent(*ys)); !p.empty()) FAIL(p);
    float a = host_scalar(alpha), b = host_scalar(beta);
    TensorDesc xd = *xs, yd = *ys;
    RET(queue(h, call_, nullptr, 0, [=] {
        View xv = view(xd, x), yv = view(yd, y);
        std::vector<double> acc;
        acc.reserve((size_t) xd.dim[0] * xd.dim[1] * xd.dim[2] * xd.dim[3]);
        for (int n = 0; n < xd.dim[0]; n++)
            for (int c = 0; c < xd.dim[1]; c++)
                for (int i = 0; i < xd.dim[2]; i++)
                    for (int j = 0; j < xd.dim[3]; j++) acc.push_back(xv.at(n, c, i, j));
        store(yv, acc, a, b);
    }));
}

int cudnnSetTensor(Handle* h, TensorDesc* ys, void* y, const void* value) {
    CALL("cudnnSetTensor");
    if (value == nullptr) FAIL("null value");
    if (std::string p = handle_problem(h); !p.empty()) FAIL(p);
    if (std::string p = tensor_problem(ys, "yDesc"); !p.empty()) FAIL(p);
    if (std::string p = range_problem(h, "y", y, extent(*ys)); !p.empty()) FAIL(p);
    float v = host_scalar(value);
    TensorDesc yd = *ys;
    RET(queue(h, call_, nullptr, 0, [=] {
        View yv = view(yd, y);
        for (int n = 0; n < yd.dim[0]; n++)
            for (int c = 0; c < yd.dim[1]; c++)
                for (int i = 0; i < yd.dim[2]; i++)
                    for (int j = 0; j < yd.dim[3]; j++) yv.at(n, c, i, j) = v;
    }));
}

#pragma GCC visibility pop
}  // extern "C"
