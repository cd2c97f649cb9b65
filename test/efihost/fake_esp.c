/* ukiboot — host test harness: the in-memory ESP behind EFI_SIMPLE_FILE_SYSTEM_PROTOCOL (read only, FAT's
 * case-insensitive names, "." and ".." in listings). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_fw_internal.h"

/* ---- the ESP ---- */

/* A UTF-16 path ("\\a\\b", relative to base unless it starts with a separator) as "/a/b"; "" is the root. */
void fw_path_from16(const CHAR16 *p16, const char *base, char *out, size_t cap) {
        char raw[1024];
        size_t r = 0, o = 0;
        if (p16[0] != '\\' && p16[0] != '/' && base)
                r = (size_t) snprintf(raw, sizeof(raw), "%s/", base);
        for (size_t i = 0; p16[i] && r + 1 < sizeof(raw); i++)
                raw[r++] = p16[i] == '\\' ? '/' : p16[i] < 0x80 ? (char) p16[i] : '?';
        raw[r] = 0;
        for (char *c = strtok(raw, "/"); c; c = strtok(NULL, "/"))
                if (strcmp(c, ".") != 0 && o + strlen(c) + 2 < cap)
                        o += (size_t) snprintf(out + o, cap - o, "/%s", c);
        out[o] = 0;
}

/* The path of file i now: as set up, or as renamed during the run. */
const char *fw_file_path(size_t i) {
        return fw.renamed[i] ? fw.renamed[i] : fw.setup->files[i].path;
}

/* FAT compares names without regard to case. */
static bool path_eq(const char *a, const char *b) {
        return strcasecmp(a, b) == 0;
}

const uint8_t *fw_file_data(size_t i, size_t *ret_len) {
        if (fw.written[i]) {
                *ret_len = fw.written_len[i];
                return fw.written[i];
        }
        *ret_len = fw.setup->files[i].len;
        return fw.setup->files[i].data;
}

int fw_esp_file(const char *path) {
        for (size_t i = 0; i < fw.setup->n_files; i++)
                if (path_eq(fw_file_path(i), path))
                        return (int) i;
        return -1;
}

static bool esp_dir(const char *path) {
        size_t l = strlen(path);
        if (l == 0)
                return true;
        for (size_t i = 0; i < fw.setup->n_files; i++) {
                const char *f = fw_file_path(i);
                if (strlen(f) > l && f[l] == '/' && strncasecmp(f, path, l) == 0)
                        return true;
        }
        return false;
}

/* The idx-th distinct child name of directory dir ("." and ".." first, as FAT lists them). */
static bool dir_child(const char *dir, uint64_t idx, char *name, size_t cap, bool *is_dir) {
        size_t l = strlen(dir);
        uint64_t seen = 0;
        if (idx < 2 && l > 0) {
                snprintf(name, cap, "%s", idx == 0 ? "." : "..");
                *is_dir = true;
                return true;
        }
        if (l > 0)
                seen = 2;
        for (size_t i = 0; i < fw.setup->n_files; i++) {
                const char *f = fw_file_path(i);
                if (strlen(f) <= l || f[l] != '/' || strncasecmp(f, dir, l) != 0)
                        continue;
                const char *c = f + l + 1;
                size_t cl = strcspn(c, "/");
                bool earlier = false;
                for (size_t j = 0; j < i && !earlier; j++) {
                        const char *g = fw_file_path(j);
                        earlier = strlen(g) > l + cl && g[l] == '/' && strncasecmp(g, dir, l) == 0 &&
                                  strncasecmp(g + l + 1, c, cl) == 0 && (g[l + 1 + cl] == '/' || !g[l + 1 + cl]);
                }
                if (earlier)
                        continue;
                if (seen++ == idx) {
                        snprintf(name, cap, "%.*s", (int) cl, c);
                        *is_dir = c[cl] == '/';
                        return true;
                }
        }
        return false;
}

static EFI_STATUS file_info(const char *name, bool is_dir, uint64_t size, UINTN *buf_size, void *buf) {
        size_t nl = strlen(name);
        UINTN need = SIZE_OF_EFI_FILE_INFO + (nl + 1) * sizeof(CHAR16);
        if (*buf_size < need) {
                *buf_size = need;
                return EFI_BUFFER_TOO_SMALL;
        }
        EFI_FILE_INFO *info = buf;
        memset(info, 0, need);
        info->Size = need;
        info->FileSize = size;
        info->PhysicalSize = size;
        info->Attribute = is_dir ? EFI_FILE_DIRECTORY : 0;
        for (size_t i = 0; i <= nl; i++)
                info->FileName[i] = (unsigned char) name[i];
        *buf_size = need;
        return EFI_SUCCESS;
}

static struct fw_file_handle *file_check(EFI_FILE_PROTOCOL *p) {
        for (struct fw_file_handle *f = fw.files; f; f = f->next)
                if (&f->api == p)
                        return f;
        fw_finish(FW_VIOLATION, "a file handle that is not open");
}

static EFI_FILE_PROTOCOL *file_new(const char *path, int file);

static EFI_STATUS EFIAPI file_open(EFI_FILE_PROTOCOL *this, EFI_FILE_PROTOCOL **ret, CHAR16 *name, UINT64 mode,
                                   UINT64 attr) {
        (void) attr;
        struct fw_file_handle *f = file_check(this);
        char path[512];
        if (fw_fault(FW_FILE_OPEN))
                return fw_fail_status[FW_FILE_OPEN];
        if (mode != EFI_FILE_MODE_READ && mode != (EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE))
                return EFI_WRITE_PROTECTED;         /* nothing is ever created */
        fw_path_from16(name, f->path, path, sizeof(path));
        int i = fw_esp_file(path);
        if (i < 0 && !esp_dir(path))
                return EFI_NOT_FOUND;
        *ret = file_new(path, i);
        file_check(*ret)->writable = mode & EFI_FILE_MODE_WRITE;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_close(EFI_FILE_PROTOCOL *this) {
        struct fw_file_handle *f = file_check(this);
        for (struct fw_file_handle **pp = &fw.files; *pp; pp = &(*pp)->next)
                if (*pp == f) {
                        *pp = f->next;
                        free(f);
                        break;
                }
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_read(EFI_FILE_PROTOCOL *this, UINTN *size, void *buf) {
        struct fw_file_handle *f = file_check(this);
        if (fw_fault(FW_FILE_READ))
                return fw_fail_status[FW_FILE_READ];
        if (f->file < 0) {
                char name[256];
                bool is_dir = false;
                if (!dir_child(f->path, f->pos, name, sizeof(name), &is_dir)) {
                        *size = 0;
                        return EFI_SUCCESS;
                }
                char child[768];
                snprintf(child, sizeof(child), "%s/%s", f->path, name);
                int i = fw_esp_file(child);
                size_t len = 0;
                if (i >= 0)
                        fw_file_data((size_t) i, &len);
                EFI_STATUS s = file_info(name, is_dir, len, size, buf);
                if (!EFI_ERROR(s))
                        f->pos++;
                return s;
        }
        size_t len;
        const uint8_t *data = fw_file_data((size_t) f->file, &len);
        if (f->pos > len)
                return EFI_DEVICE_ERROR;
        size_t n = len - f->pos < *size ? len - f->pos : *size;
        memcpy(buf, data + f->pos, n);
        f->pos += n;
        *size = n;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_set_position(EFI_FILE_PROTOCOL *this, UINT64 pos) {
        struct fw_file_handle *f = file_check(this);
        if (fw_fault(FW_FILE_SET_POSITION))
                return fw_fail_status[FW_FILE_SET_POSITION];
        if (f->file < 0)
                return pos == 0 ? (f->pos = 0, EFI_SUCCESS) : EFI_UNSUPPORTED;
        size_t len;
        fw_file_data((size_t) f->file, &len);
        f->pos = pos == UINT64_MAX ? len : pos;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_get_info(EFI_FILE_PROTOCOL *this, EFI_GUID *type, UINTN *size, void *buf) {
        struct fw_file_handle *f = file_check(this);
        if (fw_fault(FW_FILE_GET_INFO))
                return fw_fail_status[FW_FILE_GET_INFO];
        if (memcmp(type, &gEfiFileInfoGuid, sizeof(*type)) != 0)
                return EFI_UNSUPPORTED;
        const char *slash = strrchr(f->path, '/');
        size_t len = 0;
        if (f->file >= 0)
                fw_file_data((size_t) f->file, &len);
        return file_info(slash ? slash + 1 : "", f->file < 0, len, size, buf);
}

/* SetInfo with a new FileName renames the file within its directory (the rest of the info is kept). */
static EFI_STATUS EFIAPI file_set_info(EFI_FILE_PROTOCOL *this, EFI_GUID *type, UINTN size, void *buf) {
        struct fw_file_handle *f = file_check(this);
        EFI_FILE_INFO *info = buf;
        char name[256], to[sizeof(f->path)];
        if (fw_fault(FW_FILE_SET_INFO))
                return fw_fail_status[FW_FILE_SET_INFO];
        if (memcmp(type, &gEfiFileInfoGuid, sizeof(*type)) != 0 || size < SIZE_OF_EFI_FILE_INFO + 2 || info->Size != size)
                return EFI_BAD_BUFFER_SIZE;
        if (!f->writable || f->file < 0)
                return EFI_ACCESS_DENIED;
        size_t n = 0;
        for (; n < (size - SIZE_OF_EFI_FILE_INFO) / 2 && info->FileName[n]; n++) {
                if (info->FileName[n] == '\\' || info->FileName[n] == '/' || info->FileName[n] >= 0x80 || n + 1 >= sizeof(name))
                        return EFI_INVALID_PARAMETER;
                name[n] = (char) info->FileName[n];
        }
        name[n] = 0;
        const char *slash = strrchr(f->path, '/');
        if ((size_t) snprintf(to, sizeof(to), "%.*s/%s", (int) (slash - f->path), f->path, name) >= sizeof(to))
                return EFI_INVALID_PARAMETER;
        int other = fw_esp_file(to);
        if (other >= 0 && other != f->file)
                return EFI_ACCESS_DENIED;
        snprintf(fw.res->renamed, sizeof(fw.res->renamed), "%s -> %s", fw_file_path((size_t) f->file), to);
        free(fw.renamed[f->file]);
        fw.renamed[f->file] = strdup(to);
        if (!fw.renamed[f->file])
                abort();
        snprintf(f->path, sizeof(f->path), "%s", to);
        return EFI_SUCCESS;
}

/* Write: the file's bytes become a copy of their own, grown as needed (FAT extends a file the same way). */
static EFI_STATUS EFIAPI file_write(EFI_FILE_PROTOCOL *this, UINTN *size, void *buf) {
        struct fw_file_handle *f = file_check(this);
        if (fw_fault(FW_FILE_WRITE))
                return fw_fail_status[FW_FILE_WRITE];
        if (!f->writable || f->file < 0)
                return EFI_ACCESS_DENIED;
        size_t i = (size_t) f->file, len;
        const uint8_t *data = fw_file_data(i, &len);
        size_t end = f->pos + *size > len ? f->pos + *size : len;
        uint8_t *copy = calloc(1, end ? end : 1);
        if (!copy)
                abort();
        memcpy(copy, data, len);
        memcpy(copy + f->pos, buf, *size);
        free(fw.written[i]);
        fw.written[i] = copy;
        fw.written_len[i] = end;
        f->pos += *size;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_flush(EFI_FILE_PROTOCOL *this) {
        file_check(this);
        return EFI_SUCCESS;
}

static EFI_FILE_PROTOCOL *file_new(const char *path, int file) {
        struct fw_file_handle *f = calloc(1, sizeof(*f));
        if (!f)
                abort();
        fw_fill_unexpected(&f->api, 0, sizeof(f->api));
        f->api.Revision = EFI_FILE_PROTOCOL_REVISION;
        f->api.Open = file_open;
        f->api.Close = file_close;
        f->api.Read = file_read;
        f->api.SetPosition = file_set_position;
        f->api.GetInfo = file_get_info;
        f->api.SetInfo = file_set_info;
        f->api.Flush = file_flush;
        f->api.Write = file_write;
        f->magic = FILE_MAGIC;
        snprintf(f->path, sizeof(f->path), "%s", path);
        f->file = file;
        f->next = fw.files;
        fw.files = f;
        return &f->api;
}

EFI_STATUS EFIAPI fw_sfs_open_volume(EFI_FILE_IO_INTERFACE *this, EFI_FILE_PROTOCOL **root) {
        (void) this;
        *root = file_new("", -1);
        return EFI_SUCCESS;
}
