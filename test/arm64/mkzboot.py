#!/usr/bin/python3
"""Wrap an arm64 Image's compressed payload in an EFI zboot container, as CONFIG_EFI_ZBOOT builds vmlinuz.efi.

  mkzboot.py PAYLOAD COMP OUT

PAYLOAD is the already compressed Image (gzip or zstd stream); COMP is the compression name the kernel writes
into the header ("gzip", "zstd22"). Container layout (drivers/firmware/efi/libstub/zboot-header.S):

  0x00  "MZ\\0\\0"           DOS signature
  0x04  "zimg"              image type
  0x08  le32 payload offset (from the start of the file)
  0x0c  le32 payload size   (the compressed stream, without the size word below)
  0x10  2 x le32 reserved
  0x18  compression name, NUL-terminated, up to 0x38
  0x38  le32 0x818223cd     LINUX_PE_MAGIC
  0x3c  le32 e_lfanew       -> "PE\\0\\0", COFF header (machine arm64), PE32+ optional header, one section

Like the kernel's Makefile.zboot, a non-gzip payload is followed by the uncompressed size as le32 (gzip
carries it in its own trailer). The section holds the payload where the real one holds the decompressor and
the payload: this container is for loaders that unpack the payload themselves (kexec), not for firmware.
"""
import struct
import sys

FILE_ALIGN = 0x200
SECT_ALIGN = 0x1000
PE_OFF = 0x40


def align(x, a):
    return (x + a - 1) // a * a


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    payload = open(argv[0], "rb").read()
    comp = argv[1].encode()
    if not 0 < len(comp) < 0x38 - 0x18:
        sys.exit("mkzboot: compression name too long")
    tail = b"" if comp == b"gzip" else struct.pack("<I", uncompressed_size(argv[0], comp))

    opt_size = 112 + 16 * 8                     # PE32+ optional header with 16 data directories
    table = PE_OFF + 4 + 20 + opt_size
    headers = align(table + 40, FILE_ALIGN)
    body = payload + tail
    raw_size = align(len(body), FILE_ALIGN)
    text_rva = SECT_ALIGN
    image_size = text_rva + align(raw_size, SECT_ALIGN)

    out = bytearray(headers + raw_size)
    struct.pack_into("<2s2x4sII8x", out, 0, b"MZ", b"zimg", headers, len(payload))
    out[0x18:0x18 + len(comp)] = comp
    struct.pack_into("<II", out, 0x38, 0x818223CD, PE_OFF)
    struct.pack_into("<4sHHIIIHH", out, PE_OFF, b"PE\0\0", 0xAA64, 1, 0, 0, 0, opt_size, 0x0206)
    opt = PE_OFF + 24
    # Magic, linker version, code size, init/uninit data, entry, base of code, image base, alignments,
    # OS version, image version 1.0 (the Linux EFI stub's feature level), subsystem version, ...
    struct.pack_into("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII", out, opt,
                     0x20B, 0, 0, raw_size, 0, 0, text_rva, text_rva, 0, SECT_ALIGN, FILE_ALIGN,
                     0, 0, 1, 0, 0, 0, 0, image_size, headers, 0, 10, 0, 0, 0, 0, 0, 0, 16)
    struct.pack_into("<8sIIIIIIHHI", out, table, b".text", len(body), text_rva, raw_size, headers,
                     0, 0, 0, 0, 0x60000020)
    out[headers:headers + len(body)] = body
    open(argv[2], "wb").write(bytes(out))


def uncompressed_size(path, comp):
    import subprocess
    if not comp.startswith(b"zstd"):
        sys.exit("mkzboot: only gzip and zstd payloads are made here")
    data = subprocess.run(["zstd", "-dcq", path], check=True, stdout=subprocess.PIPE).stdout
    return len(data)


if __name__ == "__main__":
    main(sys.argv[1:])
