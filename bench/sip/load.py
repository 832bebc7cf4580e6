#!/usr/bin/env python3
"""SIP load benchmark: `callbot answer` driven by SIPp on loopback.

    bench/sip/load.py PATH/TO/callbot SRCDIR [--quick]

Prints figures; asserts nothing about timings. Three phases, each with
G.711 RTP both ways (SIPp streams a file with rtp_stream, the robot plays
a long prompt), callers from tests/sip/scenarios/uac-load.xml:

  rate   100 calls/s x 3000 calls, 5 s each (about 500 at once). Then,
         as the peer measured in the same run, the same load against a
         SIPp callee (uas-load.xml), whose CPU the robot's is compared to.
  held   1000 calls set up at 100 calls/s and held for 60 s together.
  out    outbound 100 calls/s x 3000 calls, 5 s each, to a SIPp callee
         (uas-load.xml), placed by bench-call-load (bench/call_load.c:
         the ua/call/media code of `callbot call`, many calls in one
         process), which prints its own figures.

Figures: failed calls (SIPp's count, and callbot's own outcome lines),
CPU of the callbot process in % of one core (utime+stime from
/proc/PID/stat over the phase), RSS per concurrent call (VmRSS from
/proc/PID/status at the plateau minus before the first call, over the
number of calls), anonymous memory per call (RssAnon, i.e. heap and
thread stacks; the nearest to "heap per call" visible from outside), and
call setup latency p50/p95: INVITE sent to 200 OK received, per call,
from SIPp's -trace_shortmsg log (microsecond timestamps; SIPp's own
-trace_rtt figures are only good to 4 ms).

--quick runs a tenth of each load (for trying the harness).

Only 127.0.0.1 is used; every process is ours and is stopped by PID; each
SIPp has -m and -timeout, so the whole run stops by itself (about three
minutes).
"""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HZ = os.sysconf("SC_CLK_TCK")


def free_port(start):
    """First port from start on that is free for UDP and TCP, with the
    next one free too."""
    p = start
    while True:
        ok = True
        for q in (p, p + 1):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(socket.AF_INET, kind)
                try:
                    s.bind(("127.0.0.1", q))
                except OSError:
                    ok = False
                finally:
                    s.close()
        if ok:
            return p
        p += 2


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])    # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def mem_kb(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "VmData", "Threads"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


class Sampler(threading.Thread):
    """Samples CPU ticks and memory of some PIDs every 0.5 s."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids = pids
        self.samples = []       # (t, {pid: (ticks, mem)})
        self.stop_ev = threading.Event()

    def run(self):
        while not self.stop_ev.is_set():
            now = time.monotonic()
            self.samples.append((now, {p: (cpu_ticks(p), mem_kb(p))
                                       for p in self.pids}))
            self.stop_ev.wait(0.5)

    def stop(self):
        self.stop_ev.set()
        self.join()

    def cpu_pct(self, pid, t0, t1):
        """% of one core between t0 and t1 (monotonic)."""
        pts = [(t, s[pid][0]) for t, s in self.samples
               if t0 <= t <= t1 and s[pid][0] is not None]
        if len(pts) < 2 or pts[-1][0] <= pts[0][0]:
            return None
        return 100.0 * (pts[-1][1] - pts[0][1]) / HZ / \
            (pts[-1][0] - pts[0][0])

    def mem(self, pid, t0, t1, key):
        v = [s[pid][1].get(key) for t, s in self.samples
             if t0 <= t <= t1 and s[pid][1].get(key)]
        return v


def sipp_stats(path):
    """Last row of a SIPp -trace_stat file as a dict."""
    try:
        with open(path) as f:
            lines = [ln.rstrip("\n") for ln in f if ln.strip()]
    except OSError:
        return {}
    if len(lines) < 2:
        return {}
    head = lines[0].split(";")
    vals = lines[-1].split(";")
    out = dict(zip(head, vals))
    peak = 0
    i = head.index("CurrentCall") if "CurrentCall" in head else None
    if i is not None:
        for ln in lines[1:]:
            v = ln.split(";")
            if len(v) > i and v[i].isdigit():
                peak = max(peak, int(v[i]))
    out["peak"] = peak
    return out


def setup_latency(path):
    """INVITE sent -> 200 OK received per Call-ID, in ms."""
    sent, got = {}, {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                p = line.split("\t")
                if len(p) < 7:
                    continue
                t, d, cid, cseq, first = float(p[2]), p[3], p[4], p[5], \
                    p[6]
                if "INVITE" not in cseq:
                    continue
                if d == "S" and first.startswith("INVITE") and \
                        cid not in sent:
                    sent[cid] = t
                elif d == "R" and first.startswith("SIP/2.0 200") and \
                        cid not in got:
                    got[cid] = t
    except OSError:
        return []
    return sorted(1000 * (got[c] - sent[c]) for c in got if c in sent)


def pct(v, q):
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(q * len(v)))]


def fmt(x, unit="", nd=1):
    if x is None or x != x:
        return "n/a"
    return ("%%.%df%%s" % nd) % (x, unit)


class Run:
    def __init__(self, callbot, src, quick):
        self.callbot = callbot
        self.src = src
        self.scn = os.path.join(src, "tests", "sip", "scenarios")
        self.quick = quick
        self.tmp = tempfile.mkdtemp(prefix="callbot-bench-sip.")
        self.procs = []

    def spawn(self, name, argv, env=None):
        out = open(os.path.join(self.tmp, name + ".out"), "w")
        err = open(os.path.join(self.tmp, name + ".err"), "w")
        p = subprocess.Popen(argv, cwd=self.tmp, stdout=out, stderr=err,
                             stdin=subprocess.DEVNULL, env=env)
        self.procs.append(p)
        return p

    def stop(self, p, grace=5):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def cleanup(self):
        for p in self.procs:
            self.stop(p, 2)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def audio(self):
        sox = ["sox", "-n", "-r", "8000", "-c", "1"]
        subprocess.run(sox + ["-b", "16", "prompt.wav", "synth", "90",
                              "pinknoise", "gain", "-15"],
                       cwd=self.tmp, check=True)
        subprocess.run(sox + ["-t", "ul", "caller.ulaw", "synth", "2",
                              "brownnoise", "gain", "-15"],
                       cwd=self.tmp, check=True)
        shutil.copy(os.path.join(self.tmp, "caller.ulaw"),
                    os.path.join(self.tmp, "callee.ulaw"))

    def wait_listen(self, port, secs=10):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return True
            finally:
                s.close()
            time.sleep(0.1)
        return False

    def uac(self, name, target, rate, calls, hold_ms, limit):
        return self.spawn(name, [
            "sipp", target, "-sf", os.path.join(self.scn, "uac-load.xml"),
            "-s", "robot", "-i", "127.0.0.1", "-mi", "127.0.0.1",
            "-p", str(free_port(25500)), "-mp", "21000",
            "-r", str(rate), "-m", str(calls), "-l", str(limit),
            "-set", "holdms", str(hold_ms), "-nostdin",
            "-timeout", "150", "-timeout_error",
            "-trace_stat", "-stf", name + ".csv", "-fd", "1",
            "-trace_shortmsg", "-shortmessage_file", name + ".short",
            "-trace_err", "-error_file", name + ".errors"])

    def robot(self, name, port):
        p = self.spawn(name, [self.callbot, "answer", "--listen",
                              "127.0.0.1:%d" % port, "--play",
                              "prompt.wav"])
        if not self.wait_listen(port):
            raise RuntimeError("callbot answer did not start: " +
                               open(os.path.join(self.tmp, name + ".err"))
                               .read()[-500:])
        return p

    def lines(self, name):
        try:
            with open(os.path.join(self.tmp, name + ".out")) as f:
                return [ln for ln in f if ln.startswith("call ")]
        except OSError:
            return []

    # ---- phases ------------------------------------------------------------

    def rate(self):
        n = 300 if self.quick else 3000
        print("rate: 100 calls/s x %d calls, 5 s each, G.711 both ways"
              % n, flush=True)
        port = free_port(25400)
        bot = self.robot("rate-robot", port)
        time.sleep(1)
        base = mem_kb(bot.pid)
        uac = self.uac("rate-uac", "127.0.0.1:%d" % port, 100, n, 5000,
                       2000)
        smp = Sampler([bot.pid, uac.pid])
        smp.start()
        t0 = time.monotonic()
        uac.wait()
        t1 = time.monotonic()
        smp.stop()
        time.sleep(1)
        self.stop(bot)
        st = sipp_stats(os.path.join(self.tmp, "rate-uac.csv"))
        lines = self.lines("rate-robot")
        answered = sum(1 for ln in lines if "outcome: answered 200" in ln)
        lat = setup_latency(os.path.join(self.tmp, "rate-uac.short"))
        cpu = smp.cpu_pct(bot.pid, t0, t1)
        rss = smp.mem(bot.pid, t0, t1, "VmRSS")
        print("  calls: %s ok, %s failed (SIPp); callbot: %d lines, %d "
              "answered 200, %d other; peak %s at once"
              % (st.get("SuccessfulCall(C)", "?"),
                 st.get("FailedCall(C)", "?"), len(lines), answered,
                 len(lines) - answered, st.get("peak", "?")))
        print("  setup latency INVITE -> 200 OK: p50 %s, p95 %s, max %s "
              "(%d calls)" % (fmt(pct(lat, 0.5), " ms", 2),
                              fmt(pct(lat, 0.95), " ms", 2),
                              fmt(lat[-1] if lat else None, " ms", 2),
                              len(lat)))
        print("  callbot CPU: %s of one core; RSS %s MB before, %s MB peak;"
              " SIPp caller CPU %s" % (
                  fmt(cpu, "%"), fmt(base.get("VmRSS", 0) / 1024),
                  fmt(max(rss) / 1024 if rss else None),
                  fmt(smp.cpu_pct(uac.pid, t0, t1), "%")), flush=True)
        return cpu, n

    def rate_peer(self, robot_cpu, n):
        print("rate, peer: the same load against a SIPp callee "
              "(uas-load.xml)", flush=True)
        port = free_port(25450)
        uas = self.spawn("peer-uas", [
            "sipp", "-sf", os.path.join(self.scn, "uas-load.xml"),
            "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(port),
            "-mp", "40000", "-m", str(n), "-nostdin", "-timeout", "150",
            "-trace_stat", "-stf", "peer-uas.csv", "-fd", "1"])
        if not self.wait_listen(port):
            print("  SIPp callee did not start")
            return
        uac = self.uac("peer-uac", "127.0.0.1:%d" % port, 100, n, 5000,
                       2000)
        smp = Sampler([uas.pid, uac.pid])
        smp.start()
        t0 = time.monotonic()
        uac.wait()
        t1 = time.monotonic()
        smp.stop()
        self.stop(uas)
        st = sipp_stats(os.path.join(self.tmp, "peer-uac.csv"))
        lat = setup_latency(os.path.join(self.tmp, "peer-uac.short"))
        cpu = smp.cpu_pct(uas.pid, t0, t1)
        print("  calls: %s ok, %s failed; setup p50 %s, p95 %s"
              % (st.get("SuccessfulCall(C)", "?"),
                 st.get("FailedCall(C)", "?"),
                 fmt(pct(lat, 0.5), " ms", 2), fmt(pct(lat, 0.95), " ms",
                                                   2)))
        ratio = (robot_cpu / cpu) if robot_cpu and cpu else None
        print("  SIPp callee CPU: %s of one core -> callbot/SIPp CPU ratio "
              "%s" % (fmt(cpu, "%"), fmt(ratio, "", 2)), flush=True)

    def held(self):
        n = 100 if self.quick else 1000
        hold = 20000 if self.quick else 70000
        print("held: %d calls set up at 100 calls/s, held together for "
              "%d s, G.711 both ways" % (n, hold // 1000 - n // 100),
              flush=True)
        port = free_port(25400)
        bot = self.robot("held-robot", port)
        time.sleep(1)
        base = mem_kb(bot.pid)
        uac = self.uac("held-uac", "127.0.0.1:%d" % port, 100, n, hold,
                       n)
        smp = Sampler([bot.pid, uac.pid])
        smp.start()
        t0 = time.monotonic()
        uac.wait()
        smp.stop()
        time.sleep(1)
        self.stop(bot)
        # the plateau: from 5 s after the ramp until 5 s before the end
        p0 = t0 + n / 100 + 5
        p1 = t0 + hold / 1000 - 5
        st = sipp_stats(os.path.join(self.tmp, "held-uac.csv"))
        lines = self.lines("held-robot")
        answered = sum(1 for ln in lines if "outcome: answered 200" in ln)
        cpu = smp.cpu_pct(bot.pid, p0, p1)
        rss = smp.mem(bot.pid, p0, p1, "VmRSS")
        anon = smp.mem(bot.pid, p0, p1, "RssAnon")
        thr = smp.mem(bot.pid, p0, p1, "Threads")
        lat = setup_latency(os.path.join(self.tmp, "held-uac.short"))
        print("  calls: %s ok, %s failed (SIPp); callbot: %d answered 200, "
              "%d other; peak %s at once"
              % (st.get("SuccessfulCall(C)", "?"),
                 st.get("FailedCall(C)", "?"), answered,
                 len(lines) - answered, st.get("peak", "?")))
        print("  setup latency INVITE -> 200 OK: p50 %s, p95 %s"
              % (fmt(pct(lat, 0.5), " ms", 2), fmt(pct(lat, 0.95), " ms",
                                                     2)))
        print("  callbot CPU with %d calls up: %s of one core; SIPp caller "
              "CPU %s" % (n, fmt(cpu, "%"),
                          fmt(smp.cpu_pct(uac.pid, p0, p1), "%")))
        if rss and base.get("VmRSS"):
            r = statistics.median(rss)
            a = statistics.median(anon) if anon else None
            print("  RSS %s MB -> %s MB: %s KB per call; anonymous (heap, "
                  "stacks) %s KB per call; %s threads"
                  % (fmt(base["VmRSS"] / 1024), fmt(r / 1024),
                     fmt((r - base["VmRSS"]) / n),
                     fmt((a - base.get("RssAnon", 0)) / n if a else None),
                     thr[-1] if thr else "?"), flush=True)
        else:
            print("  no memory figures (the robot was gone)")

    def outbound(self):
        n = 300 if self.quick else 3000
        print("out: outbound 100 calls/s x %d calls, 5 s each, to a SIPp "
              "callee (G.711 both ways)" % n, flush=True)
        load = os.path.join(os.path.dirname(self.callbot), "bench-call-load")
        if not os.access(load, os.X_OK):
            print("  skipped: %s not built" % load)
            return
        port = free_port(25600)
        uas = self.spawn("out-uas", [
            "sipp", "-sf", os.path.join(self.scn, "uas-load.xml"),
            "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(port),
            "-mp", "40000", "-m", str(n), "-nostdin", "-timeout", "150",
            "-trace_stat", "-stf", "out-uas.csv", "-fd", "1"])
        if not self.wait_listen(port):
            print("  skipped: the SIPp callee did not start")
            return
        r = subprocess.run([load, "sip:load@127.0.0.1:%d" % port,
                            "prompt.wav", "--calls", str(n), "--rate",
                            "100", "--hold", "5"],
                           cwd=self.tmp, capture_output=True, text=True,
                           timeout=240)
        for ln in r.stdout.splitlines():
            print("  " + ln.strip(), flush=True)
        if r.returncode not in (0, 1):
            print("  bench-call-load failed: " + r.stderr[-300:])
        self.stop(uas)

def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    if len(args) != 2:
        sys.exit(__doc__.strip().split("\n\n")[1])
    callbot, src = os.path.abspath(args[0]), os.path.abspath(args[1])
    for tool in ("sipp", "sox"):
        if not shutil.which(tool):
            print("bench/sip: skipped, %s is not installed "
                  "(scripts/install-deps installs it)" % tool)
            return 0
    if not os.access(callbot, os.X_OK):
        sys.exit("bench/sip: %s is not an executable" % callbot)
    r = Run(callbot, src, quick)
    try:
        r.audio()
        cpu, n = r.rate()
        r.rate_peer(cpu, n)
        r.held()
        r.outbound()
    finally:
        r.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
