#!/usr/bin/python3
"""metalearn's MAML, first-order MAML and Reptile against the same methods written in PyTorch,
side by side on the sinusoid protocol of Finn, Abbeel & Levine (ICML 2017): process CPU time per
meta-iteration at one thread and at all threads, peak memory, and the post-adaptation query MSE
after meta-training both sides from the same initial parameters.

    /usr/bin/python3 benchmarks/compare_fewshot.py \
        --binary BUILD/benchmarks/fewshot_runner [--methods maml,fomaml,reptile]
        [--rounds 3] [--min-time 1.0] [--threads 1,0] [--dtype float64]
        [--train-iters 0] [--eval-tasks 500]

Needs torch (1.13) and numpy for /usr/bin/python3; the binary comes from a Release build with
-DMETALEARN_BUILD_BENCHMARKS=ON (target fewshot_runner).

Protocol (both sides): a 1-40-40-1 ReLU network; each meta-iteration draws 25 tasks
y = A sin(x - phi), A ~ U[0.1, 5], phi ~ U[0, pi], with K = 10 support and K = 10 query points
x ~ U[-5, 5]; MSE loss; Adam (lr 1e-3) on the mean over the tasks of the per-task meta-gradient:
- maml: one inner SGD step theta' = theta - 0.01 grad L_S(theta); meta-gradient of L_Q(theta')
  with second derivatives (PyTorch: torch.autograd.grad(..., create_graph=True));
- fomaml: the same without second derivatives (the inner gradient is a constant);
- reptile: 5 SGD steps (0.01) on support + query from theta to phi; pseudo-gradient theta - phi.
The PyTorch side is written the usual way: a loop over the tasks of the meta-batch, a functional
forward pass on explicit parameter tensors (F.linear), autograd, torch.optim.Adam.

1. The metalearn program writes theta_0 (PyTorch's default nn.Linear initialisation, seed 0) in
   the network's parameter layout (per layer W as out x in row-major, then b); the PyTorch side
   loads the same numbers into its tensors.
2. Timing: for each thread count (--threads, 0 = all cores: torch.set_num_threads(os.cpu_count())
   and metalearn's n_threads = 0) and method, --rounds rounds of turns, the order of the two sides
   swapped every round, each turn a fresh process that runs 3 warm-up meta-iterations, then
   meta-iterations until --min-time seconds of process CPU time have passed. Reported: the median
   over rounds of process CPU ms per meta-iteration (all threads' CPU; wall ms in brackets),
   the ratio PyTorch / metalearn (> 1: metalearn faster), each side's peak resident memory (VmHWM;
   the Python side includes the interpreter and torch), and the load average after the turns.
3. With --train-iters N > 0: both sides meta-train N iterations from theta_0 (their own episode
   streams), then adapt to the same --eval-tasks held-out tasks (drawn here with numpy, seed 7,
   written to files) with the method's inner steps on 10 support points and report the mean query
   MSE on 10 query points (+- 1.96 sd / sqrt(tasks)). The two should agree within that noise.

PyTorch runs in --dtype (float64 by default, metalearn's precision).

Results with the run-time AVX2/FMA product kernel (core/gemm.hpp), default build, 2-core AMD
EPYC, load 1.0-1.7, batched PyTorch, 3 rounds, --min-time 1.0, --threads 1,0:

    method   thr  metalearn ms  PyTorch ms  ratio
    maml      1      0.470        6.384     13.6
    fomaml    1      0.279        3.166     11.4
    reptile   1      1.129       12.360     10.9
    maml      2      0.486       12.687     26.1
    fomaml    2      0.301        6.583     21.9
    reptile   2      1.164       25.570     22.0

Final query MSE after 2000 meta-iterations (--train-iters 2000 --eval-tasks 500, one thread):
maml 1.0179 +- 0.111 vs 0.9562 +- 0.092, fomaml 1.5193 +- 0.153 vs 1.5094 +- 0.148, reptile
0.9041 +- 0.120 vs 0.9059 +- 0.117 (metalearn's values unchanged by the kernel to the digits shown).

Earlier results (Eigen's SSE2 products in the default build): 2-core AMD EPYC (AVX-512), shared with other jobs (load average 2.3-3.6 during the
runs, higher than for earlier results, so all times are inflated and noisy, PyTorch's most);
torch 1.13 CPU, float64; g++ 12 -O3 Release. "default" is the project's Release build (no -march
flag: Eigen uses SSE2); "native" the same configured with -DMETALEARN_BENCH_NATIVE=ON, which adds
-march=native to the benchmark programs only (Eigen uses AVX-512 and FMA; PyTorch picks its
AVX2/AVX-512 kernels at run time in both). Commands:

    /usr/bin/python3 benchmarks/compare_fewshot.py --binary build/benchmarks/fewshot_runner \
        --rounds 3 --min-time 1.0 --threads 1,0 --torch-style batched     (loop: --rounds 2)
    /usr/bin/python3 benchmarks/compare_fewshot.py --binary build-native/benchmarks/fewshot_runner \
        --threads 1 --rounds 1 --min-time 0.2 --train-iters 2000 --eval-tasks 500 --torch-style batched

CPU ms per meta-iteration (median of the rounds), ratio PyTorch / metalearn:

    method   thr  ml default  ml native  PT batched  PT loop    ratio batched (def/nat)  ratio loop (def/nat)
    maml      1     0.889      0.411       7.41-7.59  14.3-17.2     8.5 / 18.0              22.1 / 42.8
    fomaml    1     0.556      0.278       3.46-3.69   7.1-10.7     6.2 / 13.3              14.8 / 29.9
    reptile   1     2.264      1.184      13.6-15.4   28.1-33.3     6.0 / 13.0              10.1 / 27.6
    maml      2     0.907      0.441      29.2-57.5   13.6-20.7    63  / 66                 14.5 / 41.9
    fomaml    2     0.604      0.268      24.1-24.4    7.8-9.8     40  / 90                 15.3 / 33.5
    reptile   2     2.273      0.972       101-105    18.6-26.3    46  / 104                 9.9 / 24.7
    (each metalearn column from the batched run; the loop runs gave 0.78/0.72/2.77 default and
    0.33/0.24/1.21 native at one thread. PyTorch ranges over the two builds' runs.) Peak RSS:
    metalearn 6-7 MB, PyTorch 240-245 MB. With 2 threads on this loaded 2-core machine neither
    side gains (process CPU time sums both threads; the default meta-batch of 25 is one block,
    so metalearn runs it on one thread); batched PyTorch at 2 threads is pathological here.
    The PyTorch times are 1.3-2x those of earlier runs at lower load, so the ratios against
    them flatter metalearn; against the earlier, less loaded PyTorch batched times (maml
    5.0-5.6, fomaml 2.1-2.6, reptile 7.5-9.7 ms) the default build is 5.6-6.3x / 3.7-4.7x /
    3.3-4.3x and the native build 12-14x / 7.5-9.5x / 6.3-8.2x.
    Versus the previous version (blocks of 8, per-episode passes at the adapted parameters),
    measured alternately in one session at one thread: maml 1.01-1.07 -> 0.84-0.87 ms default,
    0.61-0.66 -> 0.38-0.45 ms native (one-step MAML never forms an episode's adapted weights:
    products with the shared weights over all 25 episodes plus rank-K corrections, see
    Network::one_step_meta_gradient_sum); fomaml about equal default (0.53-0.56 ms), 0.28-0.30
    -> 0.25-0.27 native; reptile unchanged (its 5 steps on 20 points per episode run episode by
    episode; the low-rank form would cost more products there).

Final query MSE after 2000 meta-iterations from the same theta_0, 500 held-out tasks (mean +-
95 % half-width), one thread, native build, PyTorch batched style: maml 1.018 +- 0.111 vs
0.956 +- 0.092, fomaml 1.519 +- 0.153 vs 1.509 +- 0.148, reptile (5 adaptation steps)
0.904 +- 0.120 vs 0.906 +- 0.117: equal within noise (metalearn's values equal the previous
version's to the digits shown: the changes alter rounding only).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

from matrix_file import read_matrix_file, write_matrix_file  # noqa: E402  (beside this script)
from peak_rss import peak_rss_kb  # noqa: E402  (benchmarks/peak_rss.py, beside this script)

SIZES = (1, 40, 40, 1)
META_BATCH = 25
ALPHA = 0.01
META_LR = 1e-3
INNER_STEPS = {"maml": 1, "fomaml": 1, "reptile": 5}


def python_worker(spec):
    """Runs in a child process: time or train the PyTorch side of one method, print JSON."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    threads = spec["threads"] if spec["threads"] > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    dtype = getattr(torch, spec["dtype"])
    torch.manual_seed(spec["seed"])
    theta = read_matrix_file(spec["theta"])[:, 0]
    params, off = [], 0
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        w = torch.tensor(theta[off:off + a * b].reshape(b, a), dtype=dtype, requires_grad=True)
        off += a * b
        bias = torch.tensor(theta[off:off + b], dtype=dtype, requires_grad=True)
        off += b
        params += [w, bias]
    opt = torch.optim.Adam(params, lr=META_LR)
    method, k = spec["method"], spec["k"]
    steps = INNER_STEPS[method]

    def forward(ps, x):
        h = x
        for i in range(0, len(ps) - 2, 2):
            h = F.relu(F.linear(h, ps[i], ps[i + 1]))
        return F.linear(h, ps[-2], ps[-1])

    def sample_tasks():
        amp = torch.empty(META_BATCH, 1, 1, dtype=dtype).uniform_(0.1, 5.0)
        phase = torch.empty(META_BATCH, 1, 1, dtype=dtype).uniform_(0.0, math.pi)
        x = torch.empty(META_BATCH, 2 * k, 1, dtype=dtype).uniform_(-5.0, 5.0)
        return x, amp * torch.sin(x - phase)

    def batched_forward(ps, x):
        # ps: per-task weights (B x out x in) and biases (B x 1 x out); x: B x n x in.
        h = x
        for i in range(0, len(ps) - 2, 2):
            h = F.relu(torch.baddbmm(ps[i + 1], h, ps[i].transpose(1, 2)))
        return torch.baddbmm(ps[-1], h, ps[-2].transpose(1, 2))

    def batched_meta_step():
        # All tasks at once: each parameter expanded to one copy per task, so that the gradient of
        # the summed support losses with respect to the copies is the per-task gradient.
        x, y = sample_tasks()
        opt.zero_grad()
        per_task = [(p if p.dim() == 2 else p.unsqueeze(0)).unsqueeze(0).expand(META_BATCH, *((p if p.dim() == 2 else
                    p.unsqueeze(0)).shape)) for p in params]
        if method == "reptile":
            fast = [w.detach().clone().requires_grad_(True) for w in per_task]
            xy, yy = x, y
            for s in range(steps):
                loss = F.mse_loss(batched_forward(fast, xy), yy, reduction="none").mean(dim=(1, 2))
                if s == 0:
                    first = loss.mean().item()
                grads = torch.autograd.grad(loss.sum(), fast)
                fast = [(w - ALPHA * g).detach().requires_grad_(True) for w, g in zip(fast, grads)]
            for p, w0, w in zip(params, per_task, fast):
                p.grad = (w0.detach() - w.detach()).mean(dim=0).reshape(p.shape)
            opt.step()
            return first
        second = method == "maml"
        xs, ys, xq, yq = x[:, :k], y[:, :k], x[:, k:], y[:, k:]
        fast = per_task
        for _ in range(steps):
            loss_s = F.mse_loss(batched_forward(fast, xs), ys, reduction="none").mean(dim=(1, 2))
            grads = torch.autograd.grad(loss_s.sum(), fast, create_graph=second)
            fast = [w - ALPHA * g for w, g in zip(fast, grads)]
        loss_q = F.mse_loss(batched_forward(fast, xq), yq, reduction="none").mean(dim=(1, 2)).mean()
        loss_q.backward()
        opt.step()
        return loss_q.item()

    def meta_step():
        if spec["style"] == "batched":
            return batched_meta_step()
        x, y = sample_tasks()
        opt.zero_grad()
        total = 0.0
        if method == "reptile":
            acc = [torch.zeros_like(p) for p in params]
            for t in range(META_BATCH):
                fast = [p.detach().clone().requires_grad_(True) for p in params]
                for s in range(steps):
                    loss = F.mse_loss(forward(fast, x[t]), y[t])
                    if s == 0:
                        total += loss.item()
                    grads = torch.autograd.grad(loss, fast)
                    fast = [(w - ALPHA * g).detach().requires_grad_(True) for w, g in zip(fast, grads)]
                for a, p, w in zip(acc, params, fast):
                    a += p.detach() - w.detach()
            for p, a in zip(params, acc):
                p.grad = a / META_BATCH
        else:
            second = method == "maml"
            for t in range(META_BATCH):
                xs, ys, xq, yq = x[t, :k], y[t, :k], x[t, k:], y[t, k:]
                fast = params
                for _ in range(steps):
                    grads = torch.autograd.grad(F.mse_loss(forward(fast, xs), ys), fast, create_graph=second)
                    fast = [w - ALPHA * g for w, g in zip(fast, grads)]
                loss_q = F.mse_loss(forward(fast, xq), yq)
                (loss_q / META_BATCH).backward()
                total += loss_q.item()
        opt.step()
        return total / META_BATCH

    if spec["mode"] == "time":
        for _ in range(3):
            meta_step()
        iters, c0, w0 = 0, time.process_time(), time.perf_counter()
        while True:
            for _ in range(5):
                meta_step()
            iters += 5
            if time.process_time() - c0 >= spec["min_time"]:
                break
        print(json.dumps({"cpu": (time.process_time() - c0) / iters, "wall": (time.perf_counter() - w0) / iters,
                          "iters": iters, "peak_kb": peak_rss_kb()}))
        return
    c0 = time.process_time()
    last = []
    for i in range(spec["iters"]):
        v = meta_step()
        if i >= spec["iters"] - 100:
            last.append(v)
    cpu = time.process_time() - c0
    d = spec["eval_dir"]
    sx, sy, qx, qy = (torch.tensor(read_matrix_file(f"{d}/{n}.bin"), dtype=dtype) for n in ("sx", "sy", "qx", "qy"))
    mses = []
    for t in range(sx.shape[0]):
        fast = [p.detach().clone().requires_grad_(True) for p in params]
        for _ in range(steps):
            grads = torch.autograd.grad(F.mse_loss(forward(fast, sx[t, :, None]), sy[t, :, None]), fast)
            fast = [(w - ALPHA * g).detach().requires_grad_(True) for w, g in zip(fast, grads)]
        with torch.no_grad():
            mses.append(F.mse_loss(forward(fast, qx[t, :, None]), qy[t, :, None]).item())
    print(json.dumps({"mse": float(np.mean(mses)), "mse_sd": float(np.std(mses, ddof=1)),
                      "meta_loss_last100": float(np.mean(last)) if last else 0.0, "cpu": cpu,
                      "peak_kb": peak_rss_kb()}))


def run_metalearn(binary, spec):
    if spec["mode"] == "time":
        cmd = [binary, "time", spec["method"], str(spec["threads"]), spec["theta"], str(spec["k"]),
               str(spec["min_time"])]
    else:
        cmd = [binary, "train", spec["method"], str(spec["threads"]), spec["theta"], str(spec["k"]),
               str(spec["iters"]), spec["eval_dir"], str(spec["seed"])]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def run_python(spec):
    out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def write_eval_tasks(d, n_tasks, k):
    import numpy as np
    rng = np.random.default_rng(7)
    amp = rng.uniform(0.1, 5.0, size=(n_tasks, 1))
    phase = rng.uniform(0.0, math.pi, size=(n_tasks, 1))
    sx = rng.uniform(-5.0, 5.0, size=(n_tasks, k))
    qx = rng.uniform(-5.0, 5.0, size=(n_tasks, k))
    for name, a in (("sx", sx), ("sy", amp * np.sin(sx - phase)), ("qx", qx), ("qy", amp * np.sin(qx - phase))):
        write_matrix_file(os.path.join(d, f"{name}.bin"), a)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        python_worker(json.loads(sys.argv[2]))
        return
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "release", "benchmarks", "fewshot_runner"))
    ap.add_argument("--methods", default="maml,fomaml,reptile")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--threads", default="1,0", help="comma-separated thread counts (0 = all cores)")
    ap.add_argument("--k", type=int, default=10, help="support and query points per task")
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    ap.add_argument("--torch-style", choices=("loop", "batched"), default="loop",
                    help="PyTorch side: a loop over the tasks (default) or all tasks at once with torch.bmm")
    ap.add_argument("--train-iters", type=int, default=0, help="> 0: also compare the final MSE")
    ap.add_argument("--eval-tasks", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0, help="seed of theta_0")
    args = ap.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"compare_fewshot: no program at {args.binary} "
                 "(configure with -DMETALEARN_BUILD_BENCHMARKS=ON and build fewshot_runner)")
    methods = args.methods.split(",")
    sides = ["metalearn", "pytorch"]
    with tempfile.TemporaryDirectory() as tmp:
        theta = os.path.join(tmp, "theta.bin")
        subprocess.run([args.binary, "init", str(args.seed), theta], check=True)
        base = dict(theta=theta, k=args.k, dtype=args.dtype, seed=1, style=args.torch_style)
        print(f"# sinusoid, 1-40-40-1 ReLU, {META_BATCH} tasks x (K={args.k} + {args.k}), alpha={ALPHA}, "
              f"Adam {META_LR}; PyTorch {args.dtype}, {args.torch_style}; median over {args.rounds} rounds, >= {args.min_time} s CPU "
              f"per turn; ratio > 1: metalearn faster")
        print(f"{'method':<8} {'thr':>3}  {'metalearn ms (wall)':>20} {'pytorch ms (wall)':>20} {'pt/ml':>6}  "
              f"{'peak MB ml/pt':>13}  load")
        for threads in (int(t) for t in args.threads.split(",")):
            for method in methods:
                spec = dict(base, mode="time", method=method, threads=threads, min_time=args.min_time)
                results = {s: [] for s in sides}
                for r in range(args.rounds):
                    for s in (sides if r % 2 == 0 else sides[::-1]):
                        results[s].append(run_metalearn(args.binary, spec) if s == "metalearn" else run_python(spec))
                med = {s: 1e3 * statistics.median(x["cpu"] for x in results[s]) for s in sides}
                wall = {s: 1e3 * statistics.median(x["wall"] for x in results[s]) for s in sides}
                peak = {s: max(x["peak_kb"] for x in results[s]) / 1024 for s in sides}
                load = " ".join(f"{v:.2f}" for v in os.getloadavg())
                label = str(threads) if threads > 0 else f"all({os.cpu_count()})"
                print(f"{method:<8} {label:>3}  {med['metalearn']:9.3f} ({wall['metalearn']:8.3f}) "
                      f"{med['pytorch']:9.3f} ({wall['pytorch']:8.3f}) {med['pytorch'] / med['metalearn']:6.2f}  "
                      f"{peak['metalearn']:6.0f}/{peak['pytorch']:5.0f}  {load}", flush=True)
        if args.train_iters > 0:
            eval_dir = os.path.join(tmp, "eval")
            os.makedirs(eval_dir)
            write_eval_tasks(eval_dir, args.eval_tasks, args.k)
            print(f"# final query MSE after {args.train_iters} meta-iterations from the same theta_0, adapted on "
                  f"{args.eval_tasks} held-out tasks (mean +- 95 % half-width); 1 thread")
            print(f"{'method':<8}  {'metalearn MSE':>18} {'pytorch MSE':>18}  {'meta-loss ml/pt (last 100)':>26}  "
                  f"{'train CPU s ml/pt':>17}  load")
            for method in methods:
                spec = dict(base, mode="train", method=method, threads=1, iters=args.train_iters, eval_dir=eval_dir)
                res = {s: (run_metalearn(args.binary, spec) if s == "metalearn" else run_python(spec)) for s in sides}
                ci = {s: 1.96 * res[s]["mse_sd"] / math.sqrt(args.eval_tasks) for s in sides}
                load = " ".join(f"{v:.2f}" for v in os.getloadavg())
                print(f"{method:<8}  {res['metalearn']['mse']:9.4f} +- {ci['metalearn']:5.3f} "
                      f"{res['pytorch']['mse']:9.4f} +- {ci['pytorch']:5.3f}  "
                      f"{res['metalearn']['meta_loss_last100']:12.4f}/{res['pytorch']['meta_loss_last100']:<12.4f}  "
                      f"{res['metalearn']['cpu']:8.1f}/{res['pytorch']['cpu']:<8.1f}  {load}", flush=True)


if __name__ == "__main__":
    main()
