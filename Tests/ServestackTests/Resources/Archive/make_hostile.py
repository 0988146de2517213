#!/usr/bin/env python3
"""Writes one crafted, hostile tar archive for the Archive tests (our own writer refuses to make these).

usage: make_hostile.py CASE OUTPUT OUTSIDE
  CASE     one of the names in CASES below
  OUTPUT   the archive file to write
  OUTSIDE  an absolute directory outside the extraction destination, the target the archive tries to reach
           (the destination and OUTSIDE are siblings, so '../outside' reaches it from the destination)
"""
import gzip
import io
import os
import sys
import tarfile
import zipfile


def info(name, type=tarfile.REGTYPE, size=0, mode=0o644, link=""):
    ti = tarfile.TarInfo(name)
    ti.type = type
    ti.size = size
    ti.mode = mode
    ti.linkname = link
    ti.mtime = 0
    return ti


def add_file(tar, name, data=b"pwned\n", mode=0o644):
    tar.addfile(info(name, size=len(data), mode=mode), io.BytesIO(data))


def add(tar, name, type, link="", mode=0o644):
    tar.addfile(info(name, type=type, link=link, mode=mode))


def plain(output, build, fmt=tarfile.PAX_FORMAT):
    with tarfile.open(output, "w", format=fmt) as tar:
        build(tar)


class Zeros(io.RawIOBase):
    """count zero bytes, read lazily, so that a bomb's content never sits in memory."""

    def __init__(self, count):
        self.left = count

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n

    def readable(self):
        return True


def main():
    case, output, outside = sys.argv[1], sys.argv[2], sys.argv[3]
    outside_name = os.path.basename(outside.rstrip("/"))
    cases = {
        "absolute": lambda t: add_file(t, os.path.join(outside, "pwned")),
        "dotdot": lambda t: add_file(t, f"../{outside_name}/pwned"),
        "nested-dotdot": lambda t: (add(t, "a", tarfile.DIRTYPE, mode=0o755), add_file(t, f"a/../../{outside_name}/pwned")),
        "dotslash-dotdot": lambda t: add_file(t, f".//a/./../..//{outside_name}/pwned"),
        "symlink-etc": lambda t: add(t, "etc", tarfile.SYMTYPE, link="/etc"),
        "symlink-up": lambda t: (add(t, "d", tarfile.DIRTYPE, mode=0o755), add(t, "d/up", tarfile.SYMTYPE, link=f"../../{outside_name}")),
        "symlink-then-file": lambda t: (add(t, "link", tarfile.SYMTYPE, link=outside), add_file(t, "link/evil")),
        "inside-symlink-then-file": lambda t: (
            add(t, "sub", tarfile.DIRTYPE, mode=0o755),
            add(t, "link", tarfile.SYMTYPE, link="sub"),
            add_file(t, "link/evil"),
        ),
        "symlink-chain": lambda t: (
            add(t, "d", tarfile.DIRTYPE, mode=0o755),
            add(t, "d/l1", tarfile.SYMTYPE, link=".."),
            add(t, "l2", tarfile.SYMTYPE, link=f"d/l1/../{outside_name}"),
        ),
        "file-through-existing-link": lambda t: add_file(t, "planted/evil"),
        "hardlink-etc": lambda t: add(t, "passwd", tarfile.LNKTYPE, link="/etc/passwd"),
        "hardlink-up": lambda t: add(t, "stolen", tarfile.LNKTYPE, link=f"../{outside_name}/sentinel.txt"),
        "hardlink-missing": lambda t: (add(t, "dir", tarfile.DIRTYPE, mode=0o755), add(t, "x", tarfile.LNKTYPE, link="dir")),
        "chardev": lambda t: add(t, "null", tarfile.CHRTYPE, mode=0o666),
        "blockdev": lambda t: add(t, "sda", tarfile.BLKTYPE, mode=0o660),
        "fifo": lambda t: add(t, "pipe", tarfile.FIFOTYPE),
        "over-limit": lambda t: add_file(t, "big.bin", os.urandom(2 << 20)),
        "too-many": lambda t: [add_file(t, f"f{i:03}.txt", b"x") for i in range(50)],
        "duplicate": lambda t: (add_file(t, "a.txt", b"first\n"), add_file(t, "a.txt", b"second\n")),
        "file-over-dir": lambda t: (add(t, "d", tarfile.DIRTYPE, mode=0o755), add_file(t, "d")),
        "setuid": lambda t: (
            add(t, "sticky", tarfile.DIRTYPE, mode=0o1777),
            add_file(t, "sticky/suid", b"#!/bin/sh\n", mode=0o4755),
            add_file(t, "sgid", b"x", mode=0o2750),
        ),
        "long-path": lambda t: add_file(t, "d/" + "x" * 200 + "/" + "y" * 200),
        "empty-name": lambda t: add_file(t, ""),
    }
    if case in cases:
        plain(output, cases[case])
    elif case == "huge-header":
        # A header claiming 1 TiB followed by a little data: the size alone must be refused.
        header = info("huge.bin", size=1 << 40).tobuf(tarfile.PAX_FORMAT)
        with open(output, "wb") as f:
            f.write(header + b"A" * 4096)
    elif case == "truncated":
        plain(output, lambda t: add_file(t, "data.bin", os.urandom(100_000)))
        size = os.path.getsize(output)
        with open(output, "r+b") as f:
            f.truncate(512 + 50_000 if size > 60_000 else size // 2)
    elif case == "truncated-gzip":
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            add_file(tar, "data.bin", os.urandom(2_000_000))
        with open(output, "wb") as f:
            f.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    elif case == "garbage":
        with open(output, "wb") as f:
            f.write(bytes((i * 7919 + 13) % 251 for i in range(8192)))
    elif case == "zip":
        with zipfile.ZipFile(output, "w") as z:
            z.writestr("a.txt", "hello")
    elif case == "gzip-bomb":
        # 256 MiB of zeros in one entry: about 250 KiB compressed.
        with tarfile.open(output, "w:gz", format=tarfile.PAX_FORMAT, compresslevel=9) as tar:
            tar.addfile(info("bomb.bin", size=256 << 20), io.BufferedReader(Zeros(256 << 20), 1 << 20))
    elif case == "gzip-bomb-many":
        # 64 entries of 4 MiB zeros, each under an entry limit, together over a total limit.
        with tarfile.open(output, "w:gz", format=tarfile.PAX_FORMAT, compresslevel=9) as tar:
            for i in range(64):
                tar.addfile(info(f"part{i:02}.bin", size=4 << 20), io.BufferedReader(Zeros(4 << 20), 1 << 20))
    else:
        sys.exit(f"unknown case {case}")


if __name__ == "__main__":
    main()
