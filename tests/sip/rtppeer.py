#!/usr/bin/env python3
"""A small RTP endpoint for the SIP tests, used where SIPp cannot look
inside the media: it records the G.711 audio that arrives, decodes RFC 4733
telephone-events, and can send a WAV file as PCMU or PCMA. A SIPp scenario
does the signalling and puts this endpoint's port in its SDP.

    rtppeer.py --bind 127.0.0.1:PORT [--remote HOST:PORT] [--send IN.wav]
               [--loop] [--pt 0|8] [--record OUT.wav] [--seconds S]
               [--dtmf DIGITS --dtmf-at S [--tev PT | --tev-file FILE]]

Without --remote it answers the first source it hears (symmetric RTP).
Any packet of a dynamic payload type (96-127) with a 4-byte body counts as
a telephone-event. --dtmf sends RFC 4733 events (100 ms each, three end
packets, 100 ms apart) in place of audio, --dtmf-at seconds after the
first packet sent, with payload type --tev (default 101) or the number
found in --tev-file when the time comes (a SIPp scenario writes the
offered one there).
It stops after --seconds (default 30), on SIGTERM, or 3 s after the
media stopped once some had come, and prints one summary line:

    rtppeer: rx 250 audio, 39 events, 0 other; tx 250; dtmf: 159#

Received audio is placed by RTP timestamp, so a gap stays a gap. Only
loopback addresses (127.0.0.0/8) are accepted as the far end.
"""
import array
import argparse
import signal
import socket
import struct
import sys
import time
import wave


def ulaw_dec(u):
    u = ~u & 0xFF
    t = ((u & 0x0F) << 3) + 0x84
    t <<= (u & 0x70) >> 4
    return (0x84 - t) if u & 0x80 else (t - 0x84)


def alaw_dec(a):
    a ^= 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


def ulaw_enc(s):
    sign = 0x80 if s < 0 else 0
    if s < 0:
        s = -s
    s = min(s, 32635) + 0x84
    exp = 7
    mask = 0x4000
    while exp > 0 and not s & mask:
        exp -= 1
        mask >>= 1
    mant = (s >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def alaw_enc(s):
    sign = 0x80 if s >= 0 else 0
    if s < 0:
        s = -s - 1 if s > -32768 else 32767
    s = min(s, 32767)
    if s < 256:
        v = s >> 4
    else:
        exp = 1
        while exp < 7 and s >= (256 << exp):
            exp += 1
        v = (exp << 4) | ((s >> (exp + 3)) & 0x0F)
    return (v | sign) ^ 0x55


ULAW = [ulaw_dec(i) for i in range(256)]
ALAW = [alaw_dec(i) for i in range(256)]
EVENTS = "0123456789*#ABCD"


def loopback(host):
    return host.startswith("127.")


def parse_addr(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def read_mono(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2 or w.getframerate() != 8000:
            sys.exit("rtppeer: %s must be 8 kHz 16-bit" % path)
        nch = w.getnchannels()
        a = array.array("h")
        a.frombytes(w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        a.byteswap()
    return a[0::nch]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--remote")
    ap.add_argument("--send")
    ap.add_argument("--loop", action="store_true")
    ap.add_argument("--pt", type=int, default=0, choices=(0, 8))
    ap.add_argument("--tev", type=int, default=101)
    ap.add_argument("--tev-file")
    ap.add_argument("--dtmf", default="")
    ap.add_argument("--dtmf-at", type=float, default=1.0)
    ap.add_argument("--record")
    ap.add_argument("--seconds", type=float, default=30)
    o = ap.parse_args()

    host, port = parse_addr(o.bind)
    if not loopback(host):
        sys.exit("rtppeer: binds to 127.0.0.0/8 only")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, port))
    sock.settimeout(0.005)
    remote = parse_addr(o.remote) if o.remote else None
    if remote and not loopback(remote[0]):
        sys.exit("rtppeer: sends to 127.0.0.0/8 only")

    payload = b""
    if o.send:
        enc = ulaw_enc if o.pt == 0 else alaw_enc
        payload = bytes(enc(s) for s in read_mono(o.send))

    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))

    rx_audio = rx_ev = rx_other = tx = 0
    pcm = {}                # timestamp offset -> samples
    ts0 = None
    digits = []
    ev_seen = set()         # (ssrc, timestamp) of events already counted
    seq, ts, ssrc = 1000, 0, 0x5eed1234
    pos = 0
    events = []             # queued telephone-event packets (pt-less)
    dtmf_due = None
    dtmf_planned = not o.dtmf
    start = time.monotonic()
    next_tx = start
    last_rx = None
    while not stop:
        now = time.monotonic()
        if now - start > o.seconds:
            break
        if last_rx is not None and now - last_rx > 3.0:
            break
        if not dtmf_planned and remote:
            dtmf_planned = True
            dtmf_due = now + o.dtmf_at
        if dtmf_due is not None and now >= dtmf_due:
            dtmf_due = None
            tev = o.tev
            if o.tev_file:
                try:
                    with open(o.tev_file) as f:
                        tev = int(f.read().split()[0])
                except (OSError, ValueError, IndexError):
                    pass
            ets = ts
            for d in o.dtmf:
                if d not in EVENTS:
                    continue
                ev = EVENTS.index(d)
                for k in range(5):
                    events.append((tev, k == 0, ets, struct.pack(
                        "!BBH", ev, 10, 160 * (k + 1))))
                for k in range(3):
                    events.append((tev, False, ets, struct.pack(
                        "!BBH", ev, 0x80 | 10, 800)))
                events.extend([None] * 5)     # 100 ms between digits
                ets = (ets + 8 * 160 + 5 * 160) & 0xFFFFFFFF
        if next_tx < now - 0.2:
            next_tx = now       # nothing to send for a while: no burst
        if (payload or events) and remote and now >= next_tx:
            if events:
                e = events.pop(0)
                if e is not None:
                    hdr = struct.pack("!BBHII", 0x80, e[0] | (0x80 if e[1]
                                      else 0), seq, e[2], ssrc)
                    sock.sendto(hdr + e[3], remote)
                    seq = (seq + 1) & 0xFFFF
                    tx += 1
                pos += 160
                ts = (ts + 160) & 0xFFFFFFFF
                next_tx += 0.020
                continue
            if pos >= len(payload) and o.loop:
                pos = 0
            if pos < len(payload):
                chunk = payload[pos:pos + 160]
                chunk += bytes([0xFF if o.pt == 0 else 0xD5]) * \
                    (160 - len(chunk))
                hdr = struct.pack("!BBHII", 0x80, o.pt | (0x80 if tx == 0
                                  else 0), seq, ts, ssrc)
                sock.sendto(hdr + chunk, remote)
                pos += 160
                seq = (seq + 1) & 0xFFFF
                ts = (ts + 160) & 0xFFFFFFFF
                tx += 1
            next_tx += 0.020
        try:
            data, src = sock.recvfrom(4096)
        except socket.timeout:
            continue
        except OSError:
            continue
        if not loopback(src[0]):
            continue
        if remote is None:
            remote = src
        last_rx = time.monotonic()
        if len(data) < 12 or data[0] >> 6 != 2:
            rx_other += 1
            continue
        cc = data[0] & 0x0F
        off = 12 + 4 * cc
        if data[0] & 0x10 and len(data) >= off + 4:
            off += 4 + 4 * struct.unpack("!H", data[off + 2:off + 4])[0]
        body = data[off:]
        if data[0] & 0x20 and body:
            body = body[:len(body) - body[-1]]
        pt = data[1] & 0x7F
        pts, pssrc = struct.unpack("!II", data[4:12])
        if pt in (0, 8):
            rx_audio += 1
            if ts0 is None:
                ts0 = pts
            table = ULAW if pt == 0 else ALAW
            pcm[(pts - ts0) & 0xFFFFFFFF] = [table[b] for b in body]
        elif 96 <= pt <= 127 and len(body) == 4:
            rx_ev += 1
            ev, flags = body[0], body[1]
            key = (pssrc, pts)
            if flags & 0x80 and key not in ev_seen and ev < 16:
                ev_seen.add(key)
                digits.append(EVENTS[ev])
        else:
            rx_other += 1

    if o.record:
        out = array.array("h")
        if pcm:
            end = max(k + len(v) for k, v in pcm.items()
                      if k < 0x80000000)
            out = array.array("h", bytes(2 * end))
            for k, v in pcm.items():
                if k < 0x80000000:
                    out[k:k + len(v)] = array.array("h", v)
        if sys.byteorder == "big":
            out.byteswap()
        with wave.open(o.record, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(out.tobytes())
    print("rtppeer: rx %d audio, %d events, %d other; tx %d; dtmf: %s"
          % (rx_audio, rx_ev, rx_other, tx, "".join(digits)), flush=True)


if __name__ == "__main__":
    main()
