// oneDNN worker for the NormGen side-by-side benchmark (benchmarks/NormGen.Benchmarks, build/bench.sh).
//
// A long-lived child process of the C# driver: one command per line on stdin, one JSON line per answer on
// stdout (protocol in benchmarks/README.md). Times oneDNN's own primitives on the CPU engine:
//   batchnorm          batch_normalization_forward/backward on (N, C, 1, 1); the layout argument picks the
//                      memory format tag (nhwc by default: there oneDNN runs its JIT kernels; nchw/nc fall back
//                      to a generic kernel). nhwc and nchw describe the same bytes when H = W = 1.
//   batchnorm-spatial  the same on (N, C, S, 1); nchw is the driver's row-major (N, C, S) data as is, nhwc gets
//                      a transposed copy (made on load, outside timing; outputs transposed back for verify).
//   layernorm          layer_normalization_forward/backward on (N, C), statistics over C.
//   rmsnorm, groupnorm oneDNN 2.6 has no such primitive: load answers "na".
// Flags use_scale | use_shift, so backward (prop_kind::backward) writes diff_scale and diff_shift. Training forward
// computes batch mean and (biased) variance; inference uses the given running statistics (use_global_stats).
// oneDNN keeps no running statistics. Threads: OpenMP, set OMP_NUM_THREADS (the driver sets 1 unless told).
//
// Build: g++ -O2 -std=c++17 build/bench_onednn_worker.cpp -o bench_onednn_worker -ldnnl   (Debian libdnnl-dev 2.6)

#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;
constexpr float kEpsilon = 1e-5f;

std::string Escape(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (ch == '\n' || ch == '\r' || ch == '\t') {
            out += ' ';
        } else {
            out += ch;
        }
    }
    return out;
}

std::vector<float> ReadFloats(const std::string& dir, const std::string& name, size_t count) {
    std::ifstream in(dir + "/" + name, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error("cannot open " + dir + "/" + name);
    size_t bytes = static_cast<size_t>(in.tellg());
    if (bytes != count * sizeof(float)) {
        throw std::runtime_error(name + ": expected " + std::to_string(count) + " floats, found " +
                                 std::to_string(bytes / sizeof(float)));
    }
    std::vector<float> values(count);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(bytes));
    return values;
}

void WriteFloats(const std::string& dir, const std::string& name, const std::vector<float>& values) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
    if (!out) throw std::runtime_error("cannot write " + dir + "/" + name);
}

// (N, C, S) row-major <-> (N, S, C) row-major.
std::vector<float> ToChannelsLast(const std::vector<float>& v, size_t n, size_t c, size_t s) {
    std::vector<float> out(v.size());
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c; j++)
            for (size_t k = 0; k < s; k++) out[(i * s + k) * c + j] = v[(i * c + j) * s + k];
    return out;
}

std::vector<float> FromChannelsLast(const std::vector<float>& v, size_t n, size_t c, size_t s) {
    std::vector<float> out(v.size());
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c; j++)
            for (size_t k = 0; k < s; k++) out[(i * c + j) * s + k] = v[(i * s + k) * c + j];
    return out;
}

int64_t Now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch()).count();
}

int64_t ProcessCpu() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// The driver's timing method (same in all workers): warm-up, calls per batch, batches until long enough.
std::string Measure(const std::function<void()>& fn, double warmup_ms, double batch_ms, double min_ms,
                    int min_batches, int max_batches) {
    int64_t start = Now();
    fn();
    int64_t first_end = Now();
    int calls = 1;
    for (;;) {
        fn();
        calls++;
        if (calls >= 3 && Now() - start >= warmup_ms * 1e6) break;
    }
    double per_call = std::max(1.0, static_cast<double>(Now() - first_end) / (calls - 1));
    long per_batch = std::max(1L, std::lround(batch_ms * 1e6 / per_call));
    std::vector<double> batches;
    int64_t cpu_start = ProcessCpu();
    int64_t wall_start = Now();
    for (;;) {
        int64_t t0 = Now();
        for (long i = 0; i < per_batch; i++) fn();
        batches.push_back(static_cast<double>(Now() - t0) / per_batch);
        int64_t total = Now() - wall_start;
        if (static_cast<int>(batches.size()) >= max_batches ||
            (static_cast<int>(batches.size()) >= min_batches && total >= min_ms * 1e6))
            break;
    }
    int64_t wall = Now() - wall_start;
    int64_t cpu = ProcessCpu() - cpu_start;
    std::ostringstream json;
    json.precision(10);
    json << "{\"ok\":true,\"calls_per_batch\":" << per_batch << ",\"per_call_ns\":[";
    for (size_t i = 0; i < batches.size(); i++) json << (i ? "," : "") << batches[i];
    json << "],\"cpu_ns\":" << cpu << ",\"wall_ns\":" << wall << "}";
    return json.str();
}

// One loaded (kind, shape): buffers, primitives and their argument maps, built once.
struct Case {
    std::string kind, layout;
    size_t n = 0, c = 0, s = 1;
    bool channels_last_copy = false;  // spatial nhwc: buffers hold (N, S, C)
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
    std::vector<float> x, dy, y, dx, gamma, beta, dgamma, dbeta, mean, variance, infer_mean, infer_var;
    dnnl::primitive fwd_train, fwd_infer, bwd;
    std::unordered_map<int, memory> train_args, infer_args, bwd_args;
    std::string impl;

    memory Wrap(const memory::desc& md, std::vector<float>& v) { return memory(md, engine, v.data()); }

    void Load(const std::string& k, size_t n_, size_t c_, size_t s_, const std::string& dir, const std::string& lay) {
        kind = k;
        n = n_;
        c = c_;
        s = s_;
        layout = lay;
        size_t elements = n * c * s;
        x = ReadFloats(dir, "x.f32", elements);
        dy = ReadFloats(dir, "dy.f32", elements);
        gamma = ReadFloats(dir, "gamma.f32", c);
        beta = ReadFloats(dir, "beta.f32", c);
        y.assign(elements, 0);
        dx.assign(elements, 0);
        dgamma.assign(c, 0);
        dbeta.assign(c, 0);
        auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
        memory::desc param_md({static_cast<memory::dim>(c)}, dt::f32, tag::a);
        if (kind == "batchnorm" || kind == "batchnorm-spatial") {
            infer_mean = ReadFloats(dir, "running_mean.f32", c);
            infer_var = ReadFloats(dir, "running_var.f32", c);
            mean.assign(c, 0);
            variance.assign(c, 0);
            tag t = layout == "nchw" ? tag::nchw : layout == "nc" ? tag::nc : tag::nhwc;
            if (layout == "nc" && s != 1) throw std::runtime_error("layout nc needs S = 1");
            memory::dims dims = layout == "nc" ? memory::dims{(memory::dim)n, (memory::dim)c}
                                               : memory::dims{(memory::dim)n, (memory::dim)c, (memory::dim)s, 1};
            if (t == tag::nhwc && s > 1) {
                channels_last_copy = true;
                x = ToChannelsLast(x, n, c, s);
                dy = ToChannelsLast(dy, n, c, s);
            }
            memory::desc data_md(dims, dt::f32, t);
            using bn_fwd = dnnl::batch_normalization_forward;
            using bn_bwd = dnnl::batch_normalization_backward;
            bn_fwd::primitive_desc train_pd(bn_fwd::desc(dnnl::prop_kind::forward_training, data_md, kEpsilon, flags), engine);
            bn_fwd::primitive_desc infer_pd(
                bn_fwd::desc(dnnl::prop_kind::forward_inference, data_md, kEpsilon,
                             flags | dnnl::normalization_flags::use_global_stats),
                engine);
            bn_bwd::primitive_desc bwd_pd(bn_bwd::desc(dnnl::prop_kind::backward, data_md, data_md, kEpsilon, flags), engine,
                                          train_pd);
            fwd_train = bn_fwd(train_pd);
            fwd_infer = bn_fwd(infer_pd);
            bwd = bn_bwd(bwd_pd);
            impl = std::string(train_pd.impl_info_str()) + " / " + bwd_pd.impl_info_str() + " / " + infer_pd.impl_info_str();
            memory::desc stat_md = param_md;
            train_args = {{DNNL_ARG_SRC, Wrap(data_md, x)},         {DNNL_ARG_DST, Wrap(data_md, y)},
                          {DNNL_ARG_SCALE, Wrap(param_md, gamma)},  {DNNL_ARG_SHIFT, Wrap(param_md, beta)},
                          {DNNL_ARG_MEAN, Wrap(stat_md, mean)},     {DNNL_ARG_VARIANCE, Wrap(stat_md, variance)}};
            infer_args = {{DNNL_ARG_SRC, Wrap(data_md, x)},            {DNNL_ARG_DST, Wrap(data_md, y)},
                          {DNNL_ARG_SCALE, Wrap(param_md, gamma)},     {DNNL_ARG_SHIFT, Wrap(param_md, beta)},
                          {DNNL_ARG_MEAN, Wrap(stat_md, infer_mean)},  {DNNL_ARG_VARIANCE, Wrap(stat_md, infer_var)}};
            bwd_args = {{DNNL_ARG_SRC, Wrap(data_md, x)},
                        {DNNL_ARG_DIFF_DST, Wrap(data_md, dy)},
                        {DNNL_ARG_MEAN, Wrap(stat_md, mean)},
                        {DNNL_ARG_VARIANCE, Wrap(stat_md, variance)},
                        {DNNL_ARG_SCALE, Wrap(param_md, gamma)},
                        {DNNL_ARG_SHIFT, Wrap(param_md, beta)},
                        {DNNL_ARG_DIFF_SRC, Wrap(data_md, dx)},
                        {DNNL_ARG_DIFF_SCALE, Wrap(param_md, dgamma)},
                        {DNNL_ARG_DIFF_SHIFT, Wrap(param_md, dbeta)}};
        } else if (kind == "layernorm") {
            if (s != 1) throw std::runtime_error("layernorm needs S = 1");
            mean.assign(n, 0);
            variance.assign(n, 0);
            memory::desc data_md({(memory::dim)n, (memory::dim)c}, dt::f32, tag::ab);
            memory::desc stat_md({(memory::dim)n}, dt::f32, tag::a);
            using ln_fwd = dnnl::layer_normalization_forward;
            using ln_bwd = dnnl::layer_normalization_backward;
            ln_fwd::primitive_desc train_pd(ln_fwd::desc(dnnl::prop_kind::forward_training, data_md, stat_md, kEpsilon, flags),
                                            engine);
            ln_fwd::primitive_desc infer_pd(ln_fwd::desc(dnnl::prop_kind::forward_inference, data_md, stat_md, kEpsilon, flags),
                                            engine);
            ln_bwd::primitive_desc bwd_pd(ln_bwd::desc(dnnl::prop_kind::backward, data_md, data_md, stat_md, kEpsilon, flags),
                                          engine, train_pd);
            fwd_train = ln_fwd(train_pd);
            fwd_infer = ln_fwd(infer_pd);
            bwd = ln_bwd(bwd_pd);
            impl = std::string(train_pd.impl_info_str()) + " / " + bwd_pd.impl_info_str() + " / " + infer_pd.impl_info_str();
            train_args = {{DNNL_ARG_SRC, Wrap(data_md, x)},        {DNNL_ARG_DST, Wrap(data_md, y)},
                          {DNNL_ARG_SCALE, Wrap(param_md, gamma)}, {DNNL_ARG_SHIFT, Wrap(param_md, beta)},
                          {DNNL_ARG_MEAN, Wrap(stat_md, mean)},    {DNNL_ARG_VARIANCE, Wrap(stat_md, variance)}};
            infer_args = {{DNNL_ARG_SRC, Wrap(data_md, x)},
                          {DNNL_ARG_DST, Wrap(data_md, y)},
                          {DNNL_ARG_SCALE, Wrap(param_md, gamma)},
                          {DNNL_ARG_SHIFT, Wrap(param_md, beta)}};
            bwd_args = {{DNNL_ARG_SRC, Wrap(data_md, x)},
                        {DNNL_ARG_DIFF_DST, Wrap(data_md, dy)},
                        {DNNL_ARG_MEAN, Wrap(stat_md, mean)},
                        {DNNL_ARG_VARIANCE, Wrap(stat_md, variance)},
                        {DNNL_ARG_SCALE, Wrap(param_md, gamma)},
                        {DNNL_ARG_SHIFT, Wrap(param_md, beta)},
                        {DNNL_ARG_DIFF_SRC, Wrap(data_md, dx)},
                        {DNNL_ARG_DIFF_SCALE, Wrap(param_md, dgamma)},
                        {DNNL_ARG_DIFF_SHIFT, Wrap(param_md, dbeta)}};
        } else {
            throw std::invalid_argument("na:oneDNN 2.6 has no " + kind + " primitive");
        }
    }

    void TrainForward() { fwd_train.execute(stream, train_args); stream.wait(); }
    void Backward() { bwd.execute(stream, bwd_args); stream.wait(); }
    void Inference() { fwd_infer.execute(stream, infer_args); stream.wait(); }

    std::vector<float> Plain(const std::vector<float>& v) const {
        return channels_last_copy ? FromChannelsLast(v, n, c, s) : v;
    }

    std::string Verify(const std::string& dir) {
        std::fill(y.begin(), y.end(), 0.0f);
        TrainForward();
        WriteFloats(dir, "y_train.f32", Plain(y));
        Backward();  // twice, as the timing repeats it: the second must give the same result
        Backward();
        WriteFloats(dir, "dx.f32", Plain(dx));
        WriteFloats(dir, "dgamma.f32", dgamma);
        WriteFloats(dir, "dbeta.f32", dbeta);
        std::fill(y.begin(), y.end(), 0.0f);
        Inference();
        WriteFloats(dir, "y_infer.f32", Plain(y));
        return "{\"ok\":true,\"files\":[\"y_train.f32\",\"dx.f32\",\"dgamma.f32\",\"dbeta.f32\",\"y_infer.f32\"]}";
    }

    std::function<void()> Operation(const std::string& op) {
        if (op == "train_forward") return [this] { TrainForward(); };
        if (op == "backward") {
            TrainForward();
            return [this] { Backward(); };
        }
        if (op == "forward_backward") return [this] { TrainForward(); Backward(); };
        if (op == "inference") return [this] { Inference(); };
        throw std::invalid_argument("unknown operation '" + op + "'");
    }
};

std::string Handle(const std::vector<std::string>& w, std::unique_ptr<Case>& current) {
    const std::string& command = w[0];
    if (command == "hello") {
        const dnnl_version_t* v = dnnl_version();
        const char* omp = std::getenv("OMP_NUM_THREADS");
        std::ostringstream json;
        json << "{\"ok\":true,\"name\":\"onednn\",\"version\":\"" << v->major << "." << v->minor << "." << v->patch
             << "\",\"threads\":\"" << (omp ? omp : "default") << "\",\"info\":\"cpu_runtime " << v->cpu_runtime
             << ", isa " << static_cast<int>(dnnl::get_effective_cpu_isa()) << "\"}";
        return json.str();
    }
    if (command == "load") {
        if (w.size() < 7) throw std::invalid_argument("load KIND N C S G DIR [LAYOUT]");
        current.reset();
        auto loaded = std::make_unique<Case>();
        try {
            loaded->Load(w[1], std::stoul(w[2]), std::stoul(w[3]), std::stoul(w[4]), w[6], w.size() > 7 ? w[7] : "nhwc");
        } catch (const std::invalid_argument& e) {
            std::string what = e.what();
            if (what.rfind("na:", 0) == 0) return "{\"ok\":false,\"na\":\"" + Escape(what.substr(3)) + "\"}";
            throw;
        }
        current = std::move(loaded);
        std::string layout = current->kind.rfind("batchnorm", 0) == 0 ? " (" + current->layout + ")" : "";
        return "{\"ok\":true,\"info\":\"" + Escape(current->impl + layout) + "\"}";
    }
    if (!current && (command == "verify" || command == "time")) throw std::runtime_error("no case loaded");
    if (command == "verify") return current->Verify(w.at(1));
    if (command == "time") {
        if (w.size() < 7) throw std::invalid_argument("time OP WARMUP_MS BATCH_MS MIN_MS MIN_BATCHES MAX_BATCHES");
        auto fn = current->Operation(w[1]);
        return Measure(fn, std::stod(w[2]), std::stod(w[3]), std::stod(w[4]), std::stoi(w[5]), std::stoi(w[6]));
    }
    throw std::invalid_argument("unknown command '" + command + "'");
}

}  // namespace

int main() {
    std::unique_ptr<Case> current;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream words(line);
        std::vector<std::string> w;
        for (std::string word; words >> word;) w.push_back(word);
        if (w.empty()) continue;
        if (w[0] == "quit") break;
        std::string reply;
        try {
            reply = Handle(w, current);
        } catch (const dnnl::error& e) {
            reply = "{\"ok\":false,\"error\":\"dnnl: " + Escape(e.what()) + "\"}";
        } catch (const std::exception& e) {
            reply = "{\"ok\":false,\"error\":\"" + Escape(e.what()) + "\"}";
        }
        std::cout << reply << std::endl;
    }
    return 0;
}
