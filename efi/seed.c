/* ukiboot EFI — the random seed, carried out with firmware services. The order is what makes it safe:
 * the file is overwritten and flushed before the kernel's table is installed, so the seed the kernel gets
 * is never derived again from the same file (common/random_seed.h). */
#include "seed.h"
#include "cleanup.h"
#include "random_seed.h"
#include "util.h"
#include "vars.h"

/* LINUX_EFI_RANDOM_SEED_TABLE_GUID and its layout (Linux include/linux/efi.h). */
static EFI_GUID seed_table_guid = { 0x1ce1e5bc, 0x7ceb, 0x42f2, { 0x81, 0xe5, 0x8a, 0xad, 0xf1, 0x80, 0xf5, 0x7b } };
static EFI_GUID rng_guid = EFI_RNG_PROTOCOL_GUID;
struct seed_table {
        UINT32 size;
        UINT8 seed[];
};

static struct seed_table *previous_table(void) {
        return efi_config_table(&seed_table_guid);
}

/* UK_SEED_SIZE bytes from the firmware's RNG; false when there is none or it is not ready. */
static bool firmware_rng(uint8_t out[UK_SEED_SIZE]) {
        EFI_RNG_PROTOCOL *rng = NULL;
        if (EFI_ERROR(BS->LocateProtocol(&rng_guid, NULL, (void **) &rng)) || !rng)
                return false;
        EFI_STATUS s = rng->GetRNG(rng, NULL, UK_SEED_SIZE, out);
        if (EFI_ERROR(s) && s != EFI_NOT_READY)
                log_error(L"random seed: the firmware RNG failed (%r), going on without it", s);
        return !EFI_ERROR(s);
}

/* A file system that cannot be written would hand every boot the same seed: then it is not used. */
static bool volume_read_only(struct efi_fs *fs) {
        static EFI_GUID fs_info_guid = EFI_FILE_SYSTEM_INFO_ID;
        union { EFI_FILE_SYSTEM_INFO info; uint8_t room[sizeof(EFI_FILE_SYSTEM_INFO) + 512]; } u;
        UINTN size = sizeof(u);
        /* Not known: assume writable, as systemd-boot does. */
        return !EFI_ERROR(fs->root->GetInfo(fs->root, &fs_info_guid, &size, &u)) && u.info.ReadOnly;
}

/* Write len bytes at pos and flush: the firmware must have them on the disk before we go on. */
static EFI_STATUS write_at(EFI_FILE_HANDLE h, uint64_t pos, const void *buf, UINTN len) {
        UINTN n = len;
        EFI_STATUS s = h->SetPosition(h, pos);
        if (!EFI_ERROR(s))
                s = h->Write(h, &n, (void *) buf);
        if (!EFI_ERROR(s) && n != len)
                s = EFI_DEVICE_ERROR;
        if (!EFI_ERROR(s))
                s = h->Flush(h);
        return s;
}

static void close_filep(EFI_FILE_HANDLE *h) {
        if (*h)
                (*h)->Close(*h);
        *h = NULL;
}

void random_seed_process(struct efi_fs *fs, bool secure_boot) {
        static const CHAR16 path[] = L"\\loader\\random-seed";
        __attribute__((cleanup(close_filep))) EFI_FILE_HANDLE h = NULL;
        _cleanup_pool_ uint8_t *token = NULL, *bytes = NULL;
        _cleanup_pool_ EFI_FILE_INFO *info = NULL;
        uint8_t rng[UK_SEED_SIZE], file_seed[UK_SEED_SIZE], kernel_seed[UK_SEED_SIZE];
        struct uk_seed s;
        EFI_GUID loader = LOADER_GUID;
        EFI_STATUS st;

        if (volume_read_only(fs))
                return;
        struct seed_table *prev = previous_table();
        uk_seed_begin(&s, prev ? prev->seed : NULL, prev ? prev->size : 0);
        bool have_rng = firmware_rng(rng);
        uk_err r = uk_seed_add_rng(&s, have_rng ? rng : NULL, UK_SEED_SIZE, secure_boot);
        uk_seed_wipe(rng, sizeof(rng));
        if (r)
                goto out;

        UINTN token_len = 0;
        st = BS->AllocatePool(EfiLoaderData, 4096, (void **) &token);
        if (!EFI_ERROR(st)) {
                token_len = 4096;
                st = RT->GetVariable(L"LoaderSystemToken", &loader, NULL, &token_len, token);
                if (EFI_ERROR(st)) {
                        if (st != EFI_NOT_FOUND)
                                log_error(L"random seed: cannot read LoaderSystemToken: %r", st);
                        token_len = 0;
                }
        }
        r = uk_seed_add_token(&s, token_len ? token : NULL, token_len);
        if (token)
                uk_seed_wipe(token, token_len);
        if (r)
                goto out;

        bool created = false;
        st = fs->root->Open(fs->root, &h, (CHAR16 *) path, EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0);
        if (st == EFI_NOT_FOUND && uk_seed_may_create(&s)) {
                st = fs->root->Open(fs->root, &h, (CHAR16 *) path,
                                    EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE, 0);
                created = true;
        }
        if (EFI_ERROR(st)) {
                h = NULL;
                if (st != EFI_NOT_FOUND && st != EFI_WRITE_PROTECTED)
                        log_error(L"random seed: cannot open %s: %r", path, st);
                goto out;
        }
        uint64_t size = 0;
        if (!created) {
                info = LibFileInfo(h);
                if (!info) {
                        log_error(L"random seed: cannot read the size of %s", path);
                        goto out;
                }
                size = info->FileSize;
        }
        if (uk_seed_file_usable(size)) {
                if (size > UK_SEED_FILE_MAX) {
                        log_error(L"random seed: %s is larger than %d bytes", path, UK_SEED_FILE_MAX);
                        goto out;
                }
                UINTN n = (UINTN) size;
                st = BS->AllocatePool(EfiLoaderData, n, (void **) &bytes);
                if (!EFI_ERROR(st))
                        st = h->Read(h, &n, bytes);
                if (!EFI_ERROR(st) && n != size)
                        st = EFI_END_OF_FILE;
                if (EFI_ERROR(st)) {
                        if (bytes)
                                uk_seed_wipe(bytes, n);
                        log_error(L"random seed: cannot read %s: %r", path, st);
                        goto out;
                }
                uk_seed_add_file(&s, bytes, n);
                uk_seed_wipe(bytes, n);         /* zeros now: what pads a long file below */
        } else
                uk_seed_add_file(&s, NULL, 0);

        UINT64 counter = 0;
        st = BS->GetNextMonotonicCount(&counter);
        if (uk_seed_add_counter(&s, !EFI_ERROR(st), counter)) {
                log_error(L"random seed: no monotonic counter (%r) and no firmware randomness", st);
                goto out;
        }
        EFI_TIME now;
        st = RT->GetTime(&now, NULL);
        uk_seed_add_time(&s, EFI_ERROR(st) ? NULL : &now, sizeof(now));
        uk_seed_finish(&s, file_seed, kernel_seed);

        /* A longer file keeps only zeros after the new seed (truncating on FAT drivers is riskier). */
        st = EFI_SUCCESS;
        if (uk_seed_file_usable(size) && size > UK_SEED_SIZE)
                st = write_at(h, UK_SEED_SIZE, bytes, (UINTN) (size - UK_SEED_SIZE));
        if (!EFI_ERROR(st))
                st = write_at(h, 0, file_seed, UK_SEED_SIZE);
        if (EFI_ERROR(st)) {
                if (st != EFI_WRITE_PROTECTED)
                        log_error(L"random seed: cannot write %s: %r", path, st);
                goto wipe;
        }

        struct seed_table *t = NULL;
        st = BS->AllocatePool(EfiACPIReclaimMemory, sizeof(*t) + UK_SEED_SIZE, (void **) &t);
        if (EFI_ERROR(st)) {
                log_error(L"random seed: out of memory for the kernel's table");
                goto wipe;
        }
        t->size = UK_SEED_SIZE;
        CopyMem(t->seed, kernel_seed, UK_SEED_SIZE);
        st = BS->InstallConfigurationTable(&seed_table_guid, t);
        if (EFI_ERROR(st)) {
                uk_seed_wipe(t, sizeof(*t) + UK_SEED_SIZE);
                FreePool(t);
                log_error(L"random seed: cannot install the kernel's table: %r", st);
                goto wipe;
        }
        /* The earlier table is replaced, and its seed is in ours: nothing of it is left to find. */
        if (prev) {
                uk_seed_wipe(prev->seed, prev->size);
                uk_seed_wipe(prev, sizeof(*prev));
                FreePool(prev);
        }
        log_info(L"random seed: %s refreshed, %d bytes passed to the kernel", path, UK_SEED_SIZE);
wipe:
        uk_seed_wipe(file_seed, sizeof(file_seed));
        uk_seed_wipe(kernel_seed, sizeof(kernel_seed));
        return;
out:
        uk_seed_wipe(&s, sizeof(s));
}
