#!/usr/bin/env python3
"""Throw bad datagrams at a UDP port on loopback, for the robustness
tests. Deterministic (seeded), and refuses any address outside
127.0.0.0/8.

    junk.py rtp HOST PORT [--seconds S]   malformed and foreign RTP
    junk.py sip HOST PORT                 malformed and oversized SIP

rtp: for S seconds (default 3), about 700 datagrams a second from a few
source ports that are not the negotiated peer: empty and 1-byte
datagrams, random bytes, RTP version 0/1/3, CSRC counts and extension
lengths that run past the end, padding longer than the packet,
telephone-events with bad codes, 65507-byte datagrams, and well-formed
PCMU packets with loud noise (which must not reach the recording: they
come from the wrong address).

sip: random bytes, a request line only, headers without a body,
Content-Length larger and smaller than the body, a 65000-byte INVITE,
NUL bytes, a response to nothing, an INVITE with no Call-ID.

Prints how many datagrams it sent.
"""
import random
import socket
import struct
import sys
import time


def loopback_only(host):
    if not host.startswith("127."):
        sys.exit("junk.py: sends to 127.0.0.0/8 only, not %s" % host)


def rtp_junk(rnd):
    """One bad datagram."""
    kind = rnd.randrange(12)
    seq = rnd.randrange(65536)
    ts = rnd.randrange(1 << 32)
    ssrc = rnd.randrange(1 << 32)
    if kind == 0:
        return b""
    if kind == 1:
        return bytes([rnd.randrange(256)])
    if kind == 2:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(2, 300)))
    if kind == 3:       # wrong version
        v = rnd.choice((0, 1, 3))
        return struct.pack("!BBHII", v << 6, 0, seq, ts, ssrc) + bytes(160)
    if kind == 4:       # CSRC count past the end
        return struct.pack("!BBHII", 0x80 | 15, 0, seq, ts, ssrc) + bytes(8)
    if kind == 5:       # extension length past the end
        return (struct.pack("!BBHII", 0x90, 0, seq, ts, ssrc) +
                struct.pack("!HH", 0xBEDE, 0xFFFF) + bytes(4))
    if kind == 6:       # padding longer than the packet
        return struct.pack("!BBHII", 0xA0, 0, seq, ts, ssrc) + \
            bytes(10) + bytes([255])
    if kind == 7:       # padding count zero
        return struct.pack("!BBHII", 0xA0, 0, seq, ts, ssrc) + bytes([0])
    if kind == 8:       # telephone-event with impossible event and length
        pt = rnd.choice((96, 101, 127))
        return struct.pack("!BBHII", 0x80, 0x80 | pt, seq, ts, ssrc) + \
            bytes([rnd.randrange(16, 256), 0x80, 0xFF, 0xFF]) + \
            bytes(rnd.randrange(0, 3))
    if kind == 9:       # header only
        return struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc)
    if kind == 10:      # oversized
        return struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + \
            bytes(rnd.randrange(256) for _ in range(64)) * 1023
    # well-formed PCMU, loud noise, foreign source
    return struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + \
        bytes(rnd.choice((0x00, 0x80, 0x01, 0x81)) for _ in range(160))


def sip_junk():
    big = ("INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;"
           "branch=z9hG4bKbig\r\nX-Pad: " + "A" * 64900 + "\r\n\r\n")
    return [
        b"",
        b"\x00" * 100,
        bytes(range(256)),
        b"INVITE\r\n\r\n",
        b"INVITE sip:x@127.0.0.1 SIP/2.0\r\n",
        b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;"
        b"branch=z9hG4bKnocallid\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@"
        b"127.0.0.1>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;"
        b"branch=z9hG4bKlen\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@"
        b"127.0.0.1>\r\nCall-ID: junk-len@x\r\nCSeq: 1 INVITE\r\n"
        b"Content-Type: application/sdp\r\nContent-Length: 99999\r\n\r\nv=0",
        b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;"
        b"branch=z9hG4bKneg\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@"
        b"127.0.0.1>\r\nCall-ID: junk-neg@x\r\nCSeq: -1 INVITE\r\n"
        b"Content-Length: -5\r\n\r\n",
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKno"
        b"\r\nCall-ID: nothing@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0"
        b"\r\n\r\n",
        b"BYE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;"
        b"branch=z9hG4bKbye\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@"
        b"127.0.0.1>;tag=2\r\nCall-ID: no-such-call@x\r\nCSeq: 2 BYE\r\n"
        b"Content-Length: 0\r\n\r\n",
        b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n" + b"Via: x\r\n" * 2000 +
        b"\r\n",
        big.encode(),
    ]


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("rtp", "sip"):
        sys.exit(__doc__.strip().split("\n\n")[1])
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seconds = 3.0
    if "--seconds" in sys.argv:
        seconds = float(sys.argv[sys.argv.index("--seconds") + 1])
    loopback_only(host)
    rnd = random.Random(4733)
    socks = []
    for _ in range(3):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    sent = 0

    def send(data):
        nonlocal sent
        try:
            rnd.choice(socks).sendto(data, (host, port))
            sent += 1
        except OSError:
            pass        # the port may be gone (ICMP): keep going

    if mode == "sip":
        for d in sip_junk():
            send(d)
            time.sleep(0.01)
    else:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for _ in range(14):
                send(rtp_junk(rnd))
            time.sleep(0.02)
    print("junk.py: %d datagrams to %s:%d" % (sent, host, port))


if __name__ == "__main__":
    main()
