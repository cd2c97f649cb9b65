/* ukiboot EFI — uk_fs_ops over EFI_FILE_PROTOCOL: directory listing, small-file reads, read-at sources. */
#include "fs.h"
#include "cleanup.h"
#include "util.h"

/* Files at least this big get a progress line while they load; TCG reads are slow enough to notice. */
#define PROGRESS_MIN (32ULL << 20)
#define READ_CHUNK (4ULL << 20)

/* The firmware's status behind the last failed file operation: uk_err says what failed, this says why. */
static EFI_STATUS last_status = EFI_SUCCESS;

static uk_err fail_with(EFI_STATUS s, uk_err r) {
        last_status = s;
        return r;
}

EFI_STATUS efi_fs_last_status(void) {
        EFI_STATUS s = last_status;
        last_status = EFI_SUCCESS;
        return s;
}

EFI_STATUS efi_fs_open(EFI_HANDLE device, struct efi_fs *ret_fs) {
        EFI_FILE_IO_INTERFACE *vol = NULL;
        EFI_FILE_HANDLE root = NULL;
        EFI_STATUS s;

        s = BS->HandleProtocol(device, &FileSystemProtocol, (void **) &vol);
        if (EFI_ERROR(s))
                return s;
        s = vol->OpenVolume(vol, &root);
        if (EFI_ERROR(s))
                return s;
        ret_fs->device = device;
        ret_fs->root = root;
        return EFI_SUCCESS;
}

void efi_fs_close(struct efi_fs *fs) {
        if (fs->root)
                fs->root->Close(fs->root);
        fs->root = NULL;
}

static uk_err open_path(struct efi_fs *fs, const char *path, EFI_FILE_HANDLE *ret) {
        CHAR16 *p = xpath_to_16(path);
        EFI_FILE_HANDLE h = NULL;
        EFI_STATUS s;

        if (!p)
                return fail_with(EFI_OUT_OF_RESOURCES, UK_E_IO);
        s = fs->root->Open(fs->root, &h, p, EFI_FILE_MODE_READ, 0);
        FreePool(p);
        if (s == EFI_NOT_FOUND)
                return fail_with(s, UK_E_NOT_FOUND);
        if (EFI_ERROR(s))
                return fail_with(s, UK_E_IO);
        *ret = h;
        return UK_OK;
}

/* File size and directory bit from EFI_FILE_INFO. */
static uk_err handle_info(EFI_FILE_HANDLE h, uint64_t *ret_size, bool *ret_is_dir) {
        EFI_FILE_INFO *info = LibFileInfo(h);
        if (!info)
                return fail_with(EFI_DEVICE_ERROR, UK_E_IO);
        if (ret_size)
                *ret_size = info->FileSize;
        if (ret_is_dir)
                *ret_is_dir = !!(info->Attribute & EFI_FILE_DIRECTORY);
        FreePool(info);
        return UK_OK;
}

/* Read exactly len bytes from the current position; FAT drivers may return short reads. */
static uk_err read_exact(EFI_FILE_HANDLE h, void *buf, uint64_t len) {
        uint8_t *p = buf;
        while (len > 0) {
                UINTN n = len;
                EFI_STATUS s = h->Read(h, &n, p);
                if (EFI_ERROR(s) || n == 0)
                        return fail_with(EFI_ERROR(s) ? s : EFI_END_OF_FILE, UK_E_IO);
                p += n;
                len -= n;
        }
        return UK_OK;
}

static uk_err fs_list_dir(void *ctx, const char *dir,
                          uk_err (*cb)(void *cb_ctx, const char *name, bool is_dir), void *cb_ctx) {
        struct efi_fs *fs = ctx;
        EFI_FILE_HANDLE h;
        UINTN cap = SIZE_OF_EFI_FILE_INFO + 256 * sizeof(CHAR16);
        EFI_FILE_INFO *info = NULL;
        bool is_dir;
        uk_err r;

        r = open_path(fs, dir, &h);
        if (r)
                return r;
        r = handle_info(h, NULL, &is_dir);
        if (r == UK_OK && !is_dir)
                r = UK_E_NOT_FOUND;
        if (r)
                goto out;
        info = AllocatePool(cap);
        if (!info) {
                r = UK_E_IO;
                goto out;
        }
        for (;;) {
                UINTN n = cap;
                EFI_STATUS s = h->Read(h, &n, info);
                if (s == EFI_BUFFER_TOO_SMALL) {
                        FreePool(info);
                        cap = n;
                        info = AllocatePool(cap);
                        if (!info) {
                                r = UK_E_IO;
                                goto out;
                        }
                        continue;
                }
                if (EFI_ERROR(s)) {
                        r = UK_E_IO;
                        goto out;
                }
                if (n == 0)
                        break;
                char name[UK_PATH_MAX];
                if (!str16_to_8(info->FileName, (n - SIZE_OF_EFI_FILE_INFO) / sizeof(CHAR16) + 1,
                                name, sizeof(name)))
                        continue;       /* a name we could not hold cannot be an entry we accept */
                if (uk_strcmp(name, ".") == 0 || uk_strcmp(name, "..") == 0)
                        continue;
                r = cb(cb_ctx, name, !!(info->Attribute & EFI_FILE_DIRECTORY));
                if (r)
                        goto out;
        }
        r = UK_OK;
out:
        if (info)
                FreePool(info);
        h->Close(h);
        return r;
}

/* Open path as a regular file (a directory there counts as "not found"); the handle is the caller's. */
static uk_err open_regular(struct efi_fs *fs, const char *path, EFI_FILE_HANDLE *ret_h, uint64_t *ret_size) {
        EFI_FILE_HANDLE h;
        uint64_t size;
        bool is_dir;
        uk_err r = open_path(fs, path, &h);
        if (r)
                return r;
        r = handle_info(h, &size, &is_dir);
        if (r == UK_OK && is_dir)
                r = UK_E_NOT_FOUND;
        if (r) {
                h->Close(h);
                return r;
        }
        *ret_h = h;
        *ret_size = size;
        return UK_OK;
}

static uk_err fs_read_file(void *ctx, const char *path, char *buf, size_t cap, size_t *ret_len) {
        EFI_FILE_HANDLE h;
        uint64_t size;
        uk_err r;

        r = open_regular(ctx, path, &h, &size);
        if (r)
                return r;
        if (size > cap)
                r = UK_E_BUFFER_TOO_SMALL;
        if (r == UK_OK)
                r = read_exact(h, buf, size);
        h->Close(h);
        if (r == UK_OK)
                *ret_len = (size_t) size;
        return r;
}

struct file_source {
        EFI_FILE_HANDLE h;
};

static uk_err file_read_at(void *ctx, uint64_t offset, void *buf, size_t len) {
        struct file_source *f = ctx;
        EFI_STATUS s = f->h->SetPosition(f->h, offset);
        if (EFI_ERROR(s))
                return fail_with(s, UK_E_IO);
        return read_exact(f->h, buf, len);
}

static uk_err fs_open_source(void *ctx, const char *path, struct uk_source *ret_src) {
        struct file_source *f;
        EFI_FILE_HANDLE h;
        uint64_t size;
        uk_err r;

        r = open_regular(ctx, path, &h, &size);
        if (r)
                return r;
        f = AllocatePool(sizeof(*f));
        if (!f) {
                h->Close(h);
                return fail_with(EFI_OUT_OF_RESOURCES, UK_E_IO);
        }
        f->h = h;
        ret_src->read_at = file_read_at;
        ret_src->ctx = f;
        ret_src->size = size;
        return UK_OK;
}

static void fs_close_source(void *ctx, struct uk_source *src) {
        struct file_source *f = src->ctx;
        if (!f)
                return;
        f->h->Close(f->h);
        FreePool(f);
        src->ctx = NULL;
}

void efi_fs_ops(struct efi_fs *fs, struct uk_fs_ops *ret_ops) {
        ret_ops->ctx = fs;
        ret_ops->list_dir = fs_list_dir;
        ret_ops->read_file = fs_read_file;
        ret_ops->open_source = fs_open_source;
        ret_ops->close_source = fs_close_source;
        ret_ops->xbootldr = NULL;
}

void efi_fs_ops_pair(struct efi_fs *esp, struct efi_fs *xbootldr, struct uk_fs_ops *ret_esp,
                     struct uk_fs_ops *ret_xbootldr) {
        efi_fs_ops(esp, ret_esp);
        if (xbootldr) {
                efi_fs_ops(xbootldr, ret_xbootldr);
                ret_esp->xbootldr = ret_xbootldr;
        }
}

uk_err efi_fs_read_whole(struct efi_fs *fs, const char *path, void **ret_buf, uint64_t *ret_size, UINTN *ret_pages) {
        EFI_FILE_HANDLE h;
        uint64_t size, done = 0;
        bool progress;
        void *buf = NULL;
        UINTN pages = 0;
        uk_err r;

        r = open_regular(fs, path, &h, &size);
        if (r)
                return r;
        EFI_STATUS s = pages_alloc(size, &buf, &pages);
        if (EFI_ERROR(s)) {
                r = fail_with(s, UK_E_IO);
                goto fail;
        }
        progress = size >= PROGRESS_MIN;
        while (done < size) {
                uint64_t n = size - done < READ_CHUNK ? size - done : READ_CHUNK;
                r = read_exact(h, (uint8_t *) buf + done, n);
                if (r)
                        goto fail;
                done += n;
                if (progress)
                        Print(L"\r" LOG_TAG L"loading %a: %lu/%lu MiB", path, done >> 20, size >> 20);
        }
        if (progress)
                Print(L"\n");
        h->Close(h);
        *ret_buf = buf;
        *ret_size = size;
        *ret_pages = pages;
        return UK_OK;
fail:
        pages_free(buf, pages);
        h->Close(h);
        return r;
}

EFI_STATUS efi_fs_rename(struct efi_fs *fs, const char *path, const char *new_name) {
        _cleanup_pool_ CHAR16 *p = xpath_to_16(path);
        _cleanup_pool_ EFI_FILE_INFO *info = NULL, *renamed = NULL;
        EFI_FILE_HANDLE h = NULL;
        size_t n = uk_strlen(new_name);
        EFI_STATUS s;

        if (!p)
                return EFI_OUT_OF_RESOURCES;
        s = fs->root->Open(fs->root, &h, p, EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0);
        if (EFI_ERROR(s))
                return s;
        info = LibFileInfo(h);
        UINTN size = SIZE_OF_EFI_FILE_INFO + (n + 1) * sizeof(CHAR16);
        renamed = info ? AllocateZeroPool(size) : NULL;
        if (!renamed) {
                h->Close(h);
                return info ? EFI_OUT_OF_RESOURCES : EFI_DEVICE_ERROR;
        }
        /* Everything but the name as it is: FAT's SetInfo then only renames. */
        CopyMem(renamed, info, SIZE_OF_EFI_FILE_INFO);
        renamed->Size = size;
        for (size_t i = 0; i < n; i++)
                renamed->FileName[i] = (unsigned char) new_name[i] < 0x80 ? (CHAR16) new_name[i] : '?';
        s = h->SetInfo(h, &gEfiFileInfoGuid, size, renamed);
        /* The FAT driver writes the directory entry back on Flush (and Close); its result is the rename's. */
        if (!EFI_ERROR(s))
                s = h->Flush(h);
        EFI_STATUS c = h->Close(h);
        return EFI_ERROR(s) ? s : c;
}
