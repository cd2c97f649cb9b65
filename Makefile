# ukiboot — one entry point: make, make check, make demo, make bench, make fuzz.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# common/ is compiled three ways from the same files: hosted (linux/ukiboot), hosted with
# ASan/UBSan (unit tests), and freestanding (efi/ukibootx64.efi).

# Plain `make` builds both twins (and nothing slow).
.DEFAULT_GOAL := all

CC      ?= gcc
CLANG   ?= clang
B       := build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
# Files that print the version rebuild when it changes (the stamp is rewritten only then).
VERSION_STAMP := $(B)/version
$(shell mkdir -p $(B); echo '$(VERSION)' | cmp -s - $(VERSION_STAMP) 2>/dev/null || echo '$(VERSION)' > $(VERSION_STAMP))

WARN      := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wvla
COMMON_SRC := $(sort $(wildcard common/*.c))
COMMON_HDR := $(wildcard common/*.h)

# ---- hosted ---------------------------------------------------------------
HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -DUKIBOOT_VERSION=\"$(VERSION)\" -Icommon -fstack-protector-strong -D_FORTIFY_SOURCE=2
HOST_OBJ := $(patsubst common/%.c,$(B)/host/common/%.o,$(COMMON_SRC))

$(B)/host/common/%.o: common/%.c $(COMMON_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(B)/host/libukicommon.a: $(HOST_OBJ)
	@rm -f $@; ar rcs $@ $^

# ---- sanitized (unit tests) ----------------------------------------------
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS := -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -DUKIBOOT_VERSION=\"$(VERSION)\" -Icommon $(SAN_FLAGS)
SAN_OBJ := $(patsubst common/%.c,$(B)/san/common/%.o,$(COMMON_SRC))

$(B)/san/common/%.o: common/%.c $(COMMON_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -c $< -o $@

$(B)/san/libukicommon.a: $(SAN_OBJ)
	@rm -f $@; ar rcs $@ $^

# ---- freestanding (EFI) ---------------------------------------------------
EFI_INC    := -I/usr/include/efi -I/usr/include/efi/x86_64 -I/usr/include/efi/protocol
# EFI_EXTRA_CFLAGS / EFI_APP: a variant build in another tree (make bench builds one without the content
# record to measure what it costs), e.g. make B=build/x EFI_APP=build/x/ukibootx64.efi EFI_EXTRA_CFLAGS=-D...
EFI_EXTRA_CFLAGS ?=
EFI_APP ?= efi/ukibootx64.efi
EFI_CFLAGS := $(EFI_EXTRA_CFLAGS) -std=gnu11 -Os $(WARN) -ffreestanding -fshort-wchar -mno-red-zone -fno-stack-protector \
              -fpic -fno-strict-aliasing -maccumulate-outgoing-args -mno-sse -mno-mmx -mno-avx \
              -DGNU_EFI_USE_MS_ABI -DUKIBOOT_VERSION=\"$(VERSION)\" -Icommon -fno-builtin-printf
EFI_COMMON_OBJ := $(patsubst common/%.c,$(B)/efi/common/%.o,$(COMMON_SRC))
EFI_SRC := $(sort $(wildcard efi/*.c))
EFI_OBJ := $(patsubst efi/%.c,$(B)/efi/efi/%.o,$(EFI_SRC))
EFI_HDR := $(wildcard efi/*.h)

$(B)/efi/common/%.o: common/%.c $(COMMON_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(B)/efi/efi/%.o: efi/%.c $(COMMON_HDR) $(EFI_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) $(EFI_INC) -Iefi -c $< -o $@

$(B)/efi/ukiboot.so: $(EFI_OBJ) $(EFI_COMMON_OBJ)
	$(EFI_LINK) $^ -o $@ -lefi -lgnuefi $(shell $(CC) -print-libgcc-file-name)

$(B)/efi/efi/efi-util.o $(B)/efi/efi/http.o $(B)/efi/efi/sbat.o: $(VERSION_STAMP)

EFI_LINK := ld -nostdlib -znocombreloc -T /usr/lib/elf_x86_64_efi.lds -shared -Bsymbolic --no-undefined \
	   -L/usr/lib /usr/lib/crt0-efi-x86_64.o
EFI_OBJCOPY := objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j '.rel.*' -j '.rela.*' \
	   -j .reloc -j .sbat --target efi-app-x86_64 --subsystem=10

$(EFI_APP): $(B)/efi/ukiboot.so
	$(EFI_OBJCOPY) $< $@

# make bench's EFI helpers, never installed: its peer for the EFI twin's downloads, OVMF's own HTTP boot timed
# (bench/httpboot.c), and its limit for the EFI paths, reading the UKI from the ESP and nothing else
# (bench/efireader.c).
BENCH_HTTPBOOT := $(B)/bench/httpboot.efi
BENCH_EFIREADER := $(B)/bench/efireader.efi
$(B)/bench/%.o: bench/%.c $(EFI_HDR) $(COMMON_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) $(EFI_INC) -Iefi -c $< -o $@
$(B)/bench/%.so: $(B)/bench/%.o $(B)/efi/efi/efi-util.o
	$(EFI_LINK) $^ -o $@ -lefi -lgnuefi $(shell $(CC) -print-libgcc-file-name)
$(B)/bench/%.efi: $(B)/bench/%.so
	$(EFI_OBJCOPY) $< $@

# ---- linux/ukiboot ---------------------------------------------------------
LINUX_SRC := $(sort $(wildcard linux/*.c))
LINUX_HDR := $(wildcard linux/*.h)
LINUX_LIBS := -lcurl -lcrypto -lz -lzstd

linux/ukiboot: $(LINUX_SRC) $(LINUX_HDR) $(B)/host/libukicommon.a $(VERSION_STAMP)
	$(CC) $(HOST_CFLAGS) -Ilinux $(LINUX_SRC) $(B)/host/libukicommon.a $(LINUX_LIBS) -o $@

# Static build for the test guests (busybox initramfs has no libc): no libcurl.
$(B)/static/ukiboot: $(LINUX_SRC) $(LINUX_HDR) $(COMMON_SRC) $(COMMON_HDR) $(VERSION_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -DUKIBOOT_NO_CURL -static -Ilinux $(LINUX_SRC) $(COMMON_SRC) -lcrypto -lz -lzstd -o $@

# The same static binary with its file and kexec calls wrapped by test/faults/wrap.c (the Nth fails with
# EIO): the guests' fault sweep (test/vm/test-faults). Never installed. No fortify: its _chk variants of
# read/pread would bypass the wraps.
WRAP_CALLS := open openat read write pread memfd_create copy_file_range sendfile syscall rename fsync
$(B)/static/ukiboot-faults: $(LINUX_SRC) $(LINUX_HDR) $(COMMON_SRC) $(COMMON_HDR) test/faults/wrap.c $(VERSION_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -U_FORTIFY_SOURCE -DUKIBOOT_NO_CURL -static -Ilinux $(LINUX_SRC) $(COMMON_SRC) test/faults/wrap.c \
	   $(foreach c,$(WRAP_CALLS),-Wl,--wrap=$(c)) -lcrypto -lz -lzstd -o $@

# ---- the EFI twin for arm64 (efi/ukibootaa64.efi) ----------------------------
# The same sources, cross-compiled against gnu-efi's arm64 build (Debian's arm64 package, unpacked by
# scripts/install-deps into .cache/gnu-efi-arm64, never installed). gnu-efi's arm64 crt0 carries the PE
# header itself, so the image is the ELF's sections laid out flat (objcopy -O binary), padded to the size
# that header declares (the linker script aligns its end to 512 bytes; objcopy stops at the last byte).
AA64_GNUEFI  ?= .cache/gnu-efi-arm64/usr
EFI_AA64_APP ?= efi/ukibootaa64.efi
EFI_AA64_CFLAGS := -std=gnu11 -Os $(WARN) -ffreestanding -fshort-wchar -fno-stack-protector -fpic -fno-strict-aliasing \
              -mstrict-align -DUKIBOOT_VERSION=\"$(VERSION)\" -Icommon -fno-builtin-printf \
              -I$(AA64_GNUEFI)/include/efi -I$(AA64_GNUEFI)/include/efi/aarch64 -I$(AA64_GNUEFI)/include/efi/protocol
EFI_AA64_OBJ := $(patsubst common/%.c,$(B)/efi-aa64/common/%.o,$(COMMON_SRC)) $(patsubst efi/%.c,$(B)/efi-aa64/efi/%.o,$(EFI_SRC))

$(B)/efi-aa64/common/%.o: common/%.c $(COMMON_HDR)
	@test -e $(AA64_GNUEFI)/lib/crt0-efi-aarch64.o || \
	   { echo "efi-aa64: $(AA64_GNUEFI) missing: run scripts/install-deps" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(ARM64_CC) $(EFI_AA64_CFLAGS) -c $< -o $@

$(B)/efi-aa64/efi/%.o: efi/%.c $(COMMON_HDR) $(EFI_HDR) $(VERSION_STAMP)
	@mkdir -p $(dir $@)
	$(ARM64_CC) $(EFI_AA64_CFLAGS) -Iefi -c $< -o $@

$(B)/efi-aa64/ukiboot.so: $(EFI_AA64_OBJ)
	aarch64-linux-gnu-ld -nostdlib -znocombreloc -T $(AA64_GNUEFI)/lib/elf_aarch64_efi.lds -shared -Bsymbolic \
	   --no-undefined --no-warn-rwx-segments --defsym=EFI_SUBSYSTEM=0xa -L$(AA64_GNUEFI)/lib \
	   $(AA64_GNUEFI)/lib/crt0-efi-aarch64.o $^ -o $@ -lefi -lgnuefi $(shell $(ARM64_CC) -print-libgcc-file-name)

$(EFI_AA64_APP): $(B)/efi-aa64/ukiboot.so
	aarch64-linux-gnu-objcopy -j .text -j .sdata -j .data -j .dynamic -j .rodata -j .rel -j .rela -j '.rel.*' \
	   -j '.rela.*' -j .reloc -O binary $< $@
	scripts/pe-pad $@

# arm64 cross build of the same static binary (make cross-arm64): Debian's gcc-aarch64-linux-gnu, and arm64
# zlib/libzstd static libraries unpacked by scripts/install-deps into .cache/arm64-sysroot (never installed).
ARM64_CC      ?= aarch64-linux-gnu-gcc
ARM64_SYSROOT ?= .cache/arm64-sysroot

$(B)/arm64/ukiboot: $(LINUX_SRC) $(LINUX_HDR) $(COMMON_SRC) $(COMMON_HDR)
	@test -e $(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu/libcrypto.a || \
	   { echo "cross-arm64: $(ARM64_SYSROOT) missing: run scripts/install-deps" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(ARM64_CC) $(HOST_CFLAGS) -DUKIBOOT_NO_CURL -static -Ilinux -isystem $(ARM64_SYSROOT)/usr/include \
	   -isystem $(ARM64_SYSROOT)/usr/include/aarch64-linux-gnu \
	   $(LINUX_SRC) $(COMMON_SRC) -L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu -lcrypto -lz -lzstd -o $@

# ---- tests ------------------------------------------------------------------
UNIT_SRC := $(sort $(wildcard test/unit/test_*.c))
UNIT_BIN := $(patsubst test/unit/%.c,$(B)/unit/%,$(UNIT_SRC))

$(B)/unit/%: test/unit/%.c $(wildcard test/unit/*.h) $(B)/san/libukicommon.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -Itest/unit $< $(B)/san/libukicommon.a -o $@

# The EFI front end's own sources on the host, against a fake firmware (test/efihost/), under ASan/UBSan:
# whole boots with each firmware call failing in turn.
EFIHOST_SRC := $(EFI_SRC) $(sort $(wildcard test/efihost/*.c))
EFIHOST_CFLAGS := $(SAN_CFLAGS) -fshort-wchar -DGNU_EFI_USE_MS_ABI -DUKIBOOT_EFIHOST $(EFI_INC) -Iefi -Itest/unit -Itest/efihost

$(B)/efihost/efihost: $(EFIHOST_SRC) $(EFI_HDR) $(wildcard test/efihost/*.h test/unit/*.h) $(B)/san/libukicommon.a
	@mkdir -p $(dir $@)
	$(CC) $(EFIHOST_CFLAGS) $(EFIHOST_SRC) $(B)/san/libukicommon.a -o $@

FUZZ_SRC := $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst test/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Icommon -Itest/unit -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

$(B)/fuzz/%: test/fuzz/%.c $(COMMON_SRC) $(COMMON_HDR) $(wildcard test/unit/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $< $(COMMON_SRC) -o $@

.PHONY: cross-arm64 efi-aa64 test-arm64 install all deps check unit test-efihost fuzz-smoke fuzz fixtures test-fixtures test-ovmf test-vm demo bench clean static
# The arm64 EFI twin is part of `all` once scripts/install-deps has unpacked gnu-efi's arm64 build.
all: efi/ukibootx64.efi linux/ukiboot $(if $(wildcard $(AA64_GNUEFI)/lib/crt0-efi-aarch64.o),$(EFI_AA64_APP))
efi-aa64: $(EFI_AA64_APP)

static: $(B)/static/ukiboot

deps:
	scripts/install-deps

fixtures:
	test/fixtures/make-fixtures

unit: $(UNIT_BIN) fixtures
	test/run-unit $(UNIT_BIN)

test-efihost: $(B)/efihost/efihost
	test/run-unit $(B)/efihost/efihost

fuzz-smoke: $(FUZZ_BIN)
	test/fuzz/run $(FUZZ_BIN)

FUZZ_SECONDS ?= 300
fuzz: $(FUZZ_BIN)
	FUZZ_SECONDS=$(FUZZ_SECONDS) test/fuzz/run --long $(FUZZ_BIN)

test-fixtures: all fixtures
	test/fixtures/check-fixtures; s=$$?; test/net/host-faults || s=1; exit $$s

test-ovmf: all static fixtures
	test/ovmf/run-all

test-vm: all static fixtures $(B)/static/ukiboot-faults
	test/vm/run-all

cross-arm64: $(B)/arm64/ukiboot

# arm64 under QEMU: the cross-built binary on the host (qemu-aarch64), extract vs zcat, zboot containers,
# and one arm64 guest that kexecs an arm64 UKI.
test-arm64: linux/ukiboot cross-arm64 efi-aa64
	test/arm64/run-all

# Every suite prints PASS:/FAIL: lines into build/results/*.log; test/summarize counts them all.
check:
	MAKE="$(MAKE)" test/check

demo: all static fixtures
	test/demo

bench: all static fixtures $(BENCH_HTTPBOOT) $(BENCH_EFIREADER)
	bench/run

PREFIX ?= /usr/local
# systemd reads units under /usr/local too; kernel-install reads plugins only from /usr/lib and /etc.
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
KERNEL_INSTALL_DIR ?= /usr/lib/kernel/install.d
install: all
	install -D -m 0755 linux/ukiboot $(DESTDIR)$(PREFIX)/bin/ukiboot
	install -D -m 0644 efi/ukibootx64.efi $(DESTDIR)$(PREFIX)/lib/ukiboot/ukibootx64.efi
	if [ -e $(EFI_AA64_APP) ]; then install -D -m 0644 $(EFI_AA64_APP) $(DESTDIR)$(PREFIX)/lib/ukiboot/ukibootaa64.efi; fi
	install -D -m 0644 doc/ukiboot.1 $(DESTDIR)$(PREFIX)/share/man/man1/ukiboot.1
	install -D -m 0755 scripts/install-esp $(DESTDIR)$(PREFIX)/lib/ukiboot/install-esp
	install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)$(KERNEL_INSTALL_DIR)
	sed 's|/usr/bin/ukiboot|$(PREFIX)/bin/ukiboot|g' install/ukiboot-kexec.service \
		> $(DESTDIR)$(SYSTEMD_UNIT_DIR)/ukiboot-kexec.service
	sed 's|^ukiboot=.*|ukiboot=$${UKIBOOT:-$(PREFIX)/bin/ukiboot}|' install/90-ukiboot.install \
		> $(DESTDIR)$(KERNEL_INSTALL_DIR)/90-ukiboot.install
	chmod 0755 $(DESTDIR)$(KERNEL_INSTALL_DIR)/90-ukiboot.install

clean:
	rm -rf $(B) efi/ukibootx64.efi $(EFI_AA64_APP) linux/ukiboot
