// Replays kernel launches recorded by the Java host code (CudaLaunchReplayTest) under the host emulation, so the
// Java side's kernel names, launch geometry and argument lists are checked against the real kernel signatures.
// stdin, whitespace-separated:
//   buf ID COUNT v1..vCOUNT                  declare a device array with its contents
//   launch NAME GX GY GZ BLOCK NARGS ARGS... each arg: "b ID" | "n" (null) | "i V" | "f V" | "s N v1..vN"
//   dump ID                                  print "dump ID COUNT v1..vCOUNT" on stdout
// Any mismatch (unknown kernel, wrong argument kind or struct size, out-of-bounds write) exits non-zero.
#include <math.h>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include "dispatch.hpp"

static const int GUARD = 256;  // canary floats on each side of every array
static const float CANARY = -1234.5f;
struct Arr {
    std::vector<float> v;
    float* p() { return v.data() + GUARD; }
};
static std::map<int, Arr> arrays;

[[noreturn]] static void die(const std::string& m) {
    std::fprintf(stderr, "replay: %s\n", m.c_str());
    std::exit(1);
}

struct Args {
    std::vector<std::string> kind;
    std::vector<float*> ptr;
    std::vector<double> num;
    std::vector<std::vector<int>> st;
    size_t at = 0;
    float* b(const char* k) {
        need("b", k);
        return ptr[at++];
    }
    int i(const char* k) {
        need("i", k);
        return (int) num[at++];
    }
    float f(const char* k) {
        need("f", k);
        return (float) num[at++];
    }
    template <typename S>
    S s(const char* k) {
        need("s", k);
        const auto& f = st[at++];
        if (f.size() * sizeof(int) != sizeof(S)) fail(std::string(k) + ": struct has " + std::to_string(f.size()) + " ints, kernel expects " + std::to_string(sizeof(S) / sizeof(int)));
        S out;
        std::memcpy(&out, f.data(), sizeof(S));
        return out;
    }
    void need(const char* want, const char* k) {
        if (at >= kind.size()) fail(std::string(k) + ": too few arguments");
        if (kind[at] != want && !(kind[at] == "n" && std::string(want) == "b"))
            fail(std::string(k) + ": argument " + std::to_string(at) + " is '" + kind[at] + "', kernel expects '" + want + "'");
    }
    [[noreturn]] static void fail(const std::string& m) { throw KernelArgError(m); }
    void end(const char* k) {
        if (at != kind.size()) fail(std::string(k) + ": too many arguments");
    }
};

static void run(const std::string& name, dim3 g, dim3 blk, Args& a) {
    std::function<void()> kernel;
    try {
        kernel = emu_bind(name, g, blk, a);
    } catch (const KernelArgError& e) {
        die(e.what());
    }
    if (!kernel) die("unknown kernel " + name);
    kernel();
}

int main() {
    std::ios::sync_with_stdio(false);
    std::string cmd;
    while (std::cin >> cmd) {
        if (cmd == "buf") {
            int id;
            long n;
            std::cin >> id >> n;
            Arr a;
            a.v.assign(n + 2 * GUARD, CANARY);
            for (long i = 0; i < n; i++) std::cin >> a.v[GUARD + i];
            arrays[id] = std::move(a);
        } else if (cmd == "launch") {
            std::string name;
            unsigned gx, gy, gz, block;
            int nargs;
            std::cin >> name >> gx >> gy >> gz >> block >> nargs;
            Args a;
            for (int i = 0; i < nargs; i++) {
                std::string kd;
                std::cin >> kd;
                a.kind.push_back(kd);
                a.ptr.push_back(nullptr);
                a.num.push_back(0);
                a.st.emplace_back();
                if (kd == "b") {
                    int id;
                    std::cin >> id;
                    if (!arrays.count(id)) die("unknown array " + std::to_string(id));
                    a.ptr.back() = arrays[id].p();
                } else if (kd == "i" || kd == "f") {
                    std::cin >> a.num.back();
                } else if (kd == "s") {
                    int n;
                    std::cin >> n;
                    a.st.back().resize(n);
                    for (int& v : a.st.back()) std::cin >> v;
                } else if (kd != "n") {
                    die("bad argument kind " + kd);
                }
            }
            // The convolution kernels index threads assuming their compiled block size.
            unsigned want = emu_required_block(name);
            if (want != 0 && block != want) die(name + " needs " + std::to_string(want) + " threads, got " + std::to_string(block));
            run(name, dim3{gx, gy, gz}, dim3{block}, a);
            for (auto& [id, arr] : arrays) {
                long n = (long) arr.v.size() - 2 * GUARD;
                for (int i = 0; i < GUARD; i++) {
                    if (arr.v[i] != CANARY || arr.v[GUARD + n + i] != CANARY) die(name + " wrote outside array " + std::to_string(id));
                }
            }
        } else if (cmd == "dump") {
            int id;
            std::cin >> id;
            Arr& a = arrays.at(id);
            long n = (long) a.v.size() - 2 * GUARD;
            std::printf("dump %d %ld", id, n);
            for (long i = 0; i < n; i++) std::printf(" %.9g", a.v[GUARD + i]);
            std::printf("\n");
        } else {
            die("unknown command " + cmd);
        }
    }
    return 0;
}
