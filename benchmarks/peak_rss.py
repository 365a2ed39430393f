"""Peak memory of a comparison script's process, shared by benchmarks/compare_*.py."""


def peak_rss_kb():
    """The peak resident set of this process image (VmHWM, kB; 0 where there is none): unlike
    ru_maxrss, it starts afresh at exec, so the parent's memory at fork time does not count."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0
