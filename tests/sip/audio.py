#!/usr/bin/env python3
"""Audio helper for the SIP tests: make test signals and check recordings.
Standard library only (wave, array, math, random).

    audio.py gen OUT.wav SECONDS SEED     speech-like test signal, 8 kHz
    audio.py info WAV                     channels rate frames seconds
    audio.py level WAV CH                 RMS level of a channel, dBFS
    audio.py match WAV CH REF.wav [--min C] [--share F] [--max C]
                  [--level-db D]          does channel CH carry REF?
    audio.py tone WAV CH HZ [--min F]     share of the energy at HZ

CH is left, right, or a channel number (0 = left). In callbot recordings
the callee is left and the robot right.

The test signal is band-limited noise (300-3400 Hz) switched on and off in
"syllables" of 80-300 ms, different for every seed: two seeds do not
correlate, and the on/off pattern makes the alignment unambiguous.

`match` finds where REF sits in the channel (10 ms energy envelopes, then
samples), then measures the normalized correlation of every 250 ms block
of REF on its own, each allowed to drift by up to 25 ms, so that a jitter
buffer that drops or repeats a frame does not spoil the whole figure. It
prints the median block correlation, the offset and the level difference,
and exits 1 when --min (in a share --share of the blocks, default 0.8),
--max or --level-db is not met. G.711 both ways
still gives a block correlation above 0.99.
"""
import array
import math
import random
import sys
import wave

RATE = 8000
FRAME = 80          # 10 ms envelope frames
BLOCK = 2000        # 250 ms correlation blocks
DRIFT = 200         # 25 ms either way per block


def die(msg):
    print("audio.py: " + msg, file=sys.stderr)
    sys.exit(2)


def read_wav(path):
    """Return (rate, [channel sample arrays])."""
    try:
        w = wave.open(path, "rb")
    except (OSError, wave.Error, EOFError) as e:
        die("%s: %s" % (path, e))
    with w:
        if w.getsampwidth() != 2:
            die("%s: %d-byte samples, want 16-bit PCM"
                % (path, w.getsampwidth()))
        nch = w.getnchannels()
        rate = w.getframerate()
        raw = w.readframes(w.getnframes())
    a = array.array("h")
    a.frombytes(raw)
    if sys.byteorder == "big":
        a.byteswap()
    return rate, [a[c::nch] for c in range(nch)]


def channel(path, ch):
    rate, chans = read_wav(path)
    names = {"left": 0, "right": 1, "l": 0, "r": 1}
    idx = names.get(str(ch).lower())
    if idx is None:
        try:
            idx = int(ch)
        except ValueError:
            die("bad channel %r" % ch)
    if idx >= len(chans):
        die("%s has %d channel(s), no channel %s" % (path, len(chans), ch))
    return rate, chans[idx]


def write_wav(path, samples, rate=RATE):
    a = array.array("h", samples)
    if sys.byteorder == "big":
        a.byteswap()
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(a.tobytes())


def biquad_bandpass(x, lo, hi):
    """Two cascaded second-order sections: high-pass at lo, low-pass at
    hi (RBJ cookbook, Q = 0.707)."""
    def section(sig, f0, kind):
        w0 = 2 * math.pi * f0 / RATE
        alpha = math.sin(w0) / (2 * 0.7071)
        c = math.cos(w0)
        if kind == "lp":
            b0, b1, b2 = (1 - c) / 2, 1 - c, (1 - c) / 2
        else:
            b0, b1, b2 = (1 + c) / 2, -(1 + c), (1 + c) / 2
        a0, a1, a2 = 1 + alpha, -2 * c, 1 - alpha
        b0, b1, b2, a1, a2 = b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0
        out = [0.0] * len(sig)
        x1 = x2 = y1 = y2 = 0.0
        for i, v in enumerate(sig):
            y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2, x1, y2, y1 = x1, v, y1, y
            out[i] = y
        return out
    for _ in range(2):
        x = section(x, lo, "hp")
        x = section(x, hi, "lp")
    return x


def gen(out, seconds, seed):
    rnd = random.Random(seed)
    n = int(seconds * RATE)
    noise = biquad_bandpass([rnd.gauss(0, 1) for _ in range(n)], 300, 3400)
    gate = [0.0] * n
    i = 0
    on = True
    while i < n:
        span = int(rnd.uniform(0.08, 0.30) * RATE)
        amp = rnd.uniform(0.5, 1.0) if on else 0.0
        for k in range(i, min(n, i + span)):
            gate[k] = amp
        i += span
        on = not on
    # smooth the gate over 5 ms so that the switching makes no clicks
    sm = [0.0] * n
    acc = 0.0
    for k in range(n):
        acc += (gate[k] - acc) * 0.025
        sm[k] = acc
    peak = max(abs(v) for v in noise) or 1.0
    scale = 0.5 * 32767 / peak
    write_wav(out, [int(max(-32767, min(32767, v * s * scale)))
                    for v, s in zip(noise, sm)])


def rms(x, a=0, b=None):
    b = len(x) if b is None else b
    if b <= a:
        return 0.0
    return math.sqrt(sum(v * v for v in x[a:b]) / (b - a))


def dbfs(r):
    return 20 * math.log10(r / 32768) if r > 0 else -200.0


def envelope(x):
    return [rms(x, i, i + FRAME) for i in range(0, len(x) - FRAME + 1, FRAME)]


def ncorr_at(x, y, lag, a, b, step=1):
    """Normalized correlation of x[a:b] with y[a+lag:b+lag]."""
    sxy = sxx = syy = 0.0
    for i in range(a, b, step):
        u = x[i]
        v = y[i + lag]
        sxy += u * v
        sxx += u * u
        syy += v * v
    if sxx <= 0 or syy <= 0:
        return 0.0
    return sxy / math.sqrt(sxx * syy)


def coarse_lag(x, y):
    """Best offset of x inside y (samples), from 10 ms envelopes."""
    ex, ey = envelope(x), envelope(y)
    if len(ey) < len(ex) or not ex:
        return None, 0.0
    mx = sum(ex) / len(ex)
    dx = [v - mx for v in ex]
    nx = math.sqrt(sum(v * v for v in dx)) or 1.0
    best, best_k = -2.0, 0
    for k in range(len(ey) - len(ex) + 1):
        seg = ey[k:k + len(ex)]
        my = sum(seg) / len(seg)
        sxy = syy = 0.0
        for u, v in zip(dx, seg):
            v -= my
            sxy += u * v
            syy += v * v
        c = sxy / (nx * math.sqrt(syy)) if syy > 0 else 0.0
        if c > best:
            best, best_k = c, k
    return best_k * FRAME, best


def best_lag(x, y, a, b, center, span):
    """Search lags center±span for block x[a:b]; coarse on every 4th
    sample, then refined on all samples."""
    lo = max(center - span, -a)
    hi = min(center + span, len(y) - b)
    if hi < lo:
        return center, 0.0
    best, best_l = -2.0, center
    for lag in range(lo, hi + 1):
        c = ncorr_at(x, y, lag, a, b, 4)
        if c > best:
            best, best_l = c, lag
    best, centre = -2.0, best_l
    for lag in range(max(lo, centre - 4), min(hi, centre + 4) + 1):
        c = ncorr_at(x, y, lag, a, b)
        if c > best:
            best, best_l = c, lag
    return best_l, best


def match(path, ch, ref, lo=None, hi=None, level_db=None, share=0.8):
    rate, y = channel(path, ch)
    rrate, chans = read_wav(ref)
    x = chans[0]
    if rate != rrate:
        die("%s is %d Hz but %s is %d Hz" % (path, rate, ref, rrate))
    what = "%s channel %s vs %s" % (path.split("/")[-1], ch,
                                    ref.split("/")[-1])
    if len(y) < len(x):
        # a short recording still has to carry what it has of REF
        x = x[:len(y) - FRAME] if len(y) > 4 * FRAME else x[:0]
    lag, envc = coarse_lag(x, y) if x else (None, 0.0)
    cors = []
    if lag is not None:
        cur = lag
        for a in range(0, len(x) - BLOCK + 1, BLOCK):
            b = a + BLOCK
            if rms(x, a, b) < 300:       # a gap of the syllable pattern
                continue
            cur, c = best_lag(x, y, a, b, cur, DRIFT)
            cors.append(c)
            if c < 0.5:
                cur = lag                # lost: search around the start
    if not cors:
        med = 0.0
    else:
        s = sorted(cors)
        med = s[len(s) // 2]
    good = sum(1 for c in cors if c >= 0.7)
    if lag is not None and med > 0.5:
        ly = dbfs(rms(y, lag, lag + len(x)))
    else:
        ly = dbfs(rms(y))
    lx = dbfs(rms(x))
    print("%s: correlation %.3f (%d/%d blocks >= 0.7), offset %.3f s, "
          "level %.1f dBFS vs %.1f dBFS"
          % (what, med, good, len(cors), (lag or 0) / rate, ly, lx))
    ok = True
    if lo is not None and (not cors or sum(1 for c in cors if c >= lo) <
                           share * len(cors)):
        print("  expected correlation >= %.2f in %.0f%% of the blocks"
              % (lo, 100 * share))
        ok = False
    if hi is not None and med > hi:
        print("  expected correlation <= %.2f (must not carry it)" % hi)
        ok = False
    if level_db is not None and abs(ly - lx) > level_db:
        print("  expected the level within %.1f dB of the reference" %
              level_db)
        ok = False
    return ok


def goertzel_share(x, hz, rate):
    """Share of the energy at hz, averaged over 50 ms windows with some
    energy (a tone with a cadence has silent halves)."""
    n = rate // 20
    k = 2 * math.cos(2 * math.pi * hz / rate)
    shares = []
    for a in range(0, len(x) - n + 1, n):
        s1 = s2 = 0.0
        e = 0.0
        for v in x[a:a + n]:
            s0 = v + k * s1 - s2
            s2, s1 = s1, s0
            e += v * v
        if e < n * 100.0 ** 2:
            continue
        p = s1 * s1 + s2 * s2 - k * s1 * s2
        shares.append(min(1.0, 2 * p / (n * e)))
    return sum(shares) / len(shares) if shares else 0.0


def main(argv):
    if len(argv) < 2:
        die(__doc__.strip().split("\n\n")[1])
    cmd, args = argv[1], argv[2:]

    def opt(name, conv=float):
        if name in args:
            i = args.index(name)
            v = conv(args[i + 1])
            del args[i:i + 2]
            return v
        return None

    if cmd == "gen" and len(args) == 3:
        gen(args[0], float(args[1]), int(args[2]))
        return 0
    if cmd == "info" and len(args) == 1:
        rate, chans = read_wav(args[0])
        n = len(chans[0])
        print("%d %d %d %.3f" % (len(chans), rate, n, n / rate))
        return 0
    if cmd == "level" and len(args) == 2:
        _, x = channel(args[0], args[1])
        print("%.1f" % dbfs(rms(x)))
        return 0
    if cmd == "match":
        lo, hi, ld = opt("--min"), opt("--max"), opt("--level-db")
        share = opt("--share")
        if len(args) != 3:
            die("usage: match WAV CH REF.wav [--min C] [--share F] "
                "[--max C] [--level-db D]")
        return 0 if match(args[0], args[1], args[2], lo, hi, ld,
                          0.8 if share is None else share) else 1
    if cmd == "tone":
        lo = opt("--min")
        if len(args) != 3:
            die("usage: tone WAV CH HZ [--min F]")
        rate, x = channel(args[0], args[1])
        share = goertzel_share(x, float(args[2]), rate)
        print("%s channel %s: %.0f%% of the energy at %s Hz"
              % (args[0].split("/")[-1], args[1], 100 * share, args[2]))
        return 0 if lo is None or share >= lo else 1
    die("unknown command or arguments: %s" % " ".join(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
