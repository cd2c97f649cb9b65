/* ukiboot — host test harness: the fake firmware's core. Boot and runtime services (memory, handles and
 * protocols, events, console, variables), the tables, and one run of efi_main with its teardown. The file
 * system, images and network live in fake_esp.c, fake_image.c and fake_net.c; any service none of them
 * provides aborts the run as a violation. Everything ukiboot is handed is tracked, so a run can tell what
 * was left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_fw_internal.h"
#include "sha256.h"
#include "util.h"

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

const char *const fw_call_name[FW_N_CALLS] = {
        [FW_ALLOCATE_POOL] = "AllocatePool",
        [FW_ALLOCATE_PAGES] = "AllocatePages",
        [FW_FILE_OPEN] = "File.Open",
        [FW_FILE_READ] = "File.Read",
        [FW_FILE_GET_INFO] = "File.GetInfo",
        [FW_FILE_SET_POSITION] = "File.SetPosition",
        [FW_FILE_SET_INFO] = "File.SetInfo",
        [FW_HANDLE_PROTOCOL] = "HandleProtocol",
        [FW_LOCATE_PROTOCOL] = "LocateProtocol",
        [FW_INSTALL_PROTOCOL] = "InstallMultipleProtocolInterfaces",
        [FW_LOAD_IMAGE] = "LoadImage",
        [FW_START_IMAGE] = "StartImage",
        [FW_GET_VARIABLE] = "GetVariable",
        [FW_SET_VARIABLE] = "SetVariable",
        [FW_CREATE_EVENT] = "CreateEvent",
        [FW_HASH_LOG_EXTEND] = "HashLogExtendEvent",
        [FW_HTTP_CONFIGURE] = "HTTP.Configure",
        [FW_HTTP_REQUEST] = "HTTP.Request",
        [FW_HTTP_RESPONSE] = "HTTP.Response",
        [FW_FILE_WRITE] = "File.Write",
        [FW_GET_MONOTONIC_COUNT] = "GetNextMonotonicCount",
        [FW_INSTALL_CONFIG_TABLE] = "InstallConfigurationTable",
};

const char *const fw_outcome_name[] = {
        [FW_BOOTED] = "booted", [FW_CHAINLOADED] = "chain-loaded", [FW_RETURNED] = "returned",
        [FW_RESET] = "reset", [FW_WAITS] = "waits for a person", [FW_HANG] = "hang", [FW_VIOLATION] = "violation",
};

/* What a failing call of each kind answers: what real firmware says when that call fails. */
const EFI_STATUS fw_fail_status[FW_N_CALLS] = {
        [FW_ALLOCATE_POOL] = EFI_OUT_OF_RESOURCES, [FW_ALLOCATE_PAGES] = EFI_OUT_OF_RESOURCES,
        [FW_FILE_OPEN] = EFI_DEVICE_ERROR, [FW_FILE_READ] = EFI_DEVICE_ERROR,
        [FW_FILE_GET_INFO] = EFI_DEVICE_ERROR, [FW_FILE_SET_POSITION] = EFI_DEVICE_ERROR,
        [FW_FILE_SET_INFO] = EFI_DEVICE_ERROR,
        [FW_HANDLE_PROTOCOL] = EFI_UNSUPPORTED, [FW_LOCATE_PROTOCOL] = EFI_NOT_FOUND,
        [FW_INSTALL_PROTOCOL] = EFI_OUT_OF_RESOURCES, [FW_LOAD_IMAGE] = EFI_LOAD_ERROR,
        [FW_START_IMAGE] = EFI_LOAD_ERROR, [FW_GET_VARIABLE] = EFI_DEVICE_ERROR,
        [FW_SET_VARIABLE] = EFI_DEVICE_ERROR, [FW_CREATE_EVENT] = EFI_OUT_OF_RESOURCES,
        [FW_HASH_LOG_EXTEND] = EFI_DEVICE_ERROR, [FW_HTTP_CONFIGURE] = EFI_DEVICE_ERROR,
        [FW_HTTP_REQUEST] = EFI_DEVICE_ERROR, [FW_HTTP_RESPONSE] = EFI_DEVICE_ERROR,
        [FW_FILE_WRITE] = EFI_DEVICE_ERROR, [FW_GET_MONOTONIC_COUNT] = EFI_DEVICE_ERROR,
        [FW_INSTALL_CONFIG_TABLE] = EFI_OUT_OF_RESOURCES,
};

#define CALL_STORM 5000000u                     /* counted calls in one run: ukiboot is spinning */
#define STALL_LIMIT_USEC (3600ULL * 1000000)    /* an hour of Stall: ukiboot is waiting forever */
#define MAX_PROTOCOLS 8

/* ---- protocol GUIDs the fake provides (values from the UEFI, PI and TCG specifications) ---- */

struct fw_state fw;

EFI_GUID fw_guid_load_file2 = { 0x4006c0c1, 0xfcb3, 0x403e, { 0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d } };
EFI_GUID fw_guid_initrd_media = { 0x5568e427, 0x68fc, 0x4f3d, { 0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68 } };
EFI_GUID fw_guid_security = { 0xa46423e3, 0x4617, 0x49f1, { 0xb9, 0xff, 0xd1, 0xbf, 0xa9, 0x11, 0x58, 0x39 } };
EFI_GUID fw_guid_security2 = { 0x94ab2f58, 0x1438, 0x4ef1, { 0x91, 0x52, 0x18, 0x94, 0x1a, 0x3a, 0x0e, 0x68 } };
EFI_GUID fw_guid_tcg2 = { 0x607f766c, 0x7455, 0x42be, { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } };
EFI_GUID fw_guid_http_sb = { 0xbdc8e6af, 0xd9bc, 0x4379, { 0xa7, 0x2a, 0xe0, 0xc4, 0xe7, 0x5d, 0xae, 0x1c } };
EFI_GUID fw_guid_http = { 0x7a59b29b, 0x910b, 0x4171, { 0x82, 0x42, 0xa8, 0x5a, 0x0d, 0xf2, 0x5b, 0x5b } };
EFI_GUID fw_guid_ip4_config2 = { 0x5b446ed1, 0xe30b, 0x4faa, { 0x87, 0x1a, 0x36, 0x54, 0xec, 0xa3, 0x60, 0x80 } };

void __attribute__((noreturn, format(printf, 2, 3))) fw_finish(enum fw_outcome o, const char *fmt, ...) {
        fw.res->outcome = o;
        if (fmt) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(fw.res->problem, sizeof(fw.res->problem), fmt, ap);
                va_end(ap);
        }
        longjmp(fw.escape, 1);
}

/* Count a call of kind c; true if this is the one that must fail. */
bool fw_fault(enum fw_call c) {
        if (++fw.total_calls > CALL_STORM)
                fw_finish(FW_HANG, "more than %u firmware calls", CALL_STORM);
        fw.res->calls[c]++;
        if (c == fw.setup->fail_call && fw.setup->fail_nth && fw.res->calls[c] == fw.setup->fail_nth) {
                fw.res->injected = true;
                return true;
        }
        return false;
}

static EFI_STATUS EFIAPI unexpected(void) {
        fw_finish(FW_VIOLATION, "ukiboot called a firmware service the fake does not provide");
}

void fw_fill_unexpected(void *table, size_t header, size_t size) {
        for (size_t o = header; o + sizeof(void *) <= size; o += sizeof(void *))
                *(void **) ((uint8_t *) table + o) = (void *) unexpected;
}

void fw_console_append(const CHAR16 *s) {
        struct fw_result *r = fw.res;
        if (!r)
                return;
        for (; *s; s++) {
                if (*s == '\r')
                        continue;
                r->console = realloc(r->console, r->console_len + 2);
                if (!r->console)
                        abort();
                r->console[r->console_len++] = *s < 0x80 ? (char) *s : '?';
                r->console[r->console_len] = 0;
        }
}

/* ---- memory ---- */

void *fw_pool_new(size_t size, bool driver) {
        struct pool_block *b = malloc(sizeof(*b) + (size ? size : 1));
        if (!b)
                abort();
        /* Firmware hands out whatever the memory held: poisoned here, so a field read before it is written
         * differs from run to run of the code under test rather than being a lucky zero. */
        memset(b + 1, 0xa5, size ? size : 1);
        b->magic = POOL_MAGIC;
        b->size = size;
        b->driver = driver;
        b->next = fw.pool.next;
        b->prev = &fw.pool;
        if (fw.pool.next)
                fw.pool.next->prev = b;
        fw.pool.next = b;
        return b + 1;
}

static void pool_free(void *p) {
        struct pool_block *b = (struct pool_block *) p - 1;
        if (b->magic != POOL_MAGIC)
                fw_finish(FW_VIOLATION, "FreePool of %p, which AllocatePool did not return", p);
        b->magic = 0;
        b->prev->next = b->next;
        if (b->next)
                b->next->prev = b->prev;
        free(b);
}

static EFI_STATUS EFIAPI bs_allocate_pool(EFI_MEMORY_TYPE type, UINTN size, void **ret) {
        (void) type;
        if (fw_fault(FW_ALLOCATE_POOL))
                return fw_fail_status[FW_ALLOCATE_POOL];
        *ret = fw_pool_new(size, false);
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_free_pool(void *p) {
        if (!p)
                fw_finish(FW_VIOLATION, "FreePool(NULL)");
        pool_free(p);
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_allocate_pages(EFI_ALLOCATE_TYPE type, EFI_MEMORY_TYPE mtype, UINTN n,
                                           EFI_PHYSICAL_ADDRESS *addr) {
        (void) type, (void) mtype;
        if (fw_fault(FW_ALLOCATE_PAGES))
                return fw_fail_status[FW_ALLOCATE_PAGES];
        if (n == 0 || n > (1u << 20))
                return EFI_OUT_OF_RESOURCES;
        struct page_block *b = malloc(sizeof(*b));
        if (!b || !(b->addr = aligned_alloc(4096, n * 4096)))
                abort();
        b->pages = n;
        b->next = fw.pages;
        fw.pages = b;
        *addr = (EFI_PHYSICAL_ADDRESS) (uintptr_t) b->addr;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_free_pages(EFI_PHYSICAL_ADDRESS addr, UINTN n) {
        for (struct page_block **pp = &fw.pages; *pp; pp = &(*pp)->next) {
                struct page_block *b = *pp;
                if ((uintptr_t) b->addr != addr)
                        continue;
                if (b->pages != n)
                        fw_finish(FW_VIOLATION, "FreePages of %lu pages at an allocation of %lu", (unsigned long) n,
                               (unsigned long) b->pages);
                *pp = b->next;
                free(b->addr);
                free(b);
                return EFI_SUCCESS;
        }
        fw_finish(FW_VIOLATION, "FreePages of an address AllocatePages did not return");
}

/* ---- handles and protocols ---- */

struct fw_handle *fw_handle_new(bool firmware_owned) {
        struct fw_handle *h = calloc(1, sizeof(*h));
        if (!h)
                abort();
        h->firmware_owned = firmware_owned;
        h->next = fw.handles;
        fw.handles = h;
        return h;
}

struct fw_handle *fw_handle_check(EFI_HANDLE handle) {
        for (struct fw_handle *h = fw.handles; h; h = h->next)
                if (h == handle)
                        return h;
        return NULL;
}

void fw_handle_add(struct fw_handle *h, const EFI_GUID *guid, void *iface) {
        if (h->n == MAX_PROTOCOLS)
                abort();
        h->p[h->n].guid = *guid;
        h->p[h->n++].iface = iface;
}

void *fw_handle_find(struct fw_handle *h, const EFI_GUID *guid) {
        for (unsigned i = 0; i < h->n; i++)
                if (memcmp(&h->p[i].guid, guid, sizeof(*guid)) == 0)
                        return h->p[i].iface;
        return NULL;
}

void fw_handle_destroy(struct fw_handle *victim) {
        for (struct fw_handle **pp = &fw.handles; *pp; pp = &(*pp)->next)
                if (*pp == victim) {
                        *pp = victim->next;
                        free(victim);
                        return;
                }
}

static EFI_STATUS EFIAPI bs_handle_protocol(EFI_HANDLE handle, EFI_GUID *guid, void **ret) {
        struct fw_handle *h = fw_handle_check(handle);
        if (fw_fault(FW_HANDLE_PROTOCOL))
                return fw_fail_status[FW_HANDLE_PROTOCOL];
        if (!h)
                fw_finish(FW_VIOLATION, "HandleProtocol on a handle that does not exist");
        void *p = fw_handle_find(h, guid);
        if (!p)
                return EFI_UNSUPPORTED;
        *ret = p;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_get_next_monotonic_count(UINT64 *count) {
        if (fw_fault(FW_GET_MONOTONIC_COUNT))
                return fw_fail_status[FW_GET_MONOTONIC_COUNT];
        *count = fw.monotonic++;
        return EFI_SUCCESS;
}

/* The table is the system's from now on: it is not ukiboot's to free, and the kernel finds it. */
static EFI_STATUS EFIAPI bs_install_configuration_table(EFI_GUID *guid, void *table) {
        if (fw_fault(FW_INSTALL_CONFIG_TABLE))
                return fw_fail_status[FW_INSTALL_CONFIG_TABLE];
        UINTN i;
        for (i = 0; i < fw.st.NumberOfTableEntries; i++)
                if (memcmp(&fw.tables[i].VendorGuid, guid, sizeof(*guid)) == 0)
                        break;
        if (!table) {
                if (i == fw.st.NumberOfTableEntries)
                        return EFI_NOT_FOUND;
                fw.tables[i] = fw.tables[--fw.st.NumberOfTableEntries];
                return EFI_SUCCESS;
        }
        if (i == UK_ELEMENTSOF(fw.tables))
                return EFI_OUT_OF_RESOURCES;
        fw.tables[i].VendorGuid = *guid;
        fw.tables[i].VendorTable = table;
        if (i == fw.st.NumberOfTableEntries)
                fw.st.NumberOfTableEntries++;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI rt_get_time(EFI_TIME *t, EFI_TIME_CAPABILITIES *cap) {
        (void) cap;
        *t = (EFI_TIME) { .Year = 2026, .Month = 12, .Day = 1, .Hour = 12 };
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_locate_protocol(EFI_GUID *guid, void *reg, void **ret) {
        (void) reg;
        if (fw_fault(FW_LOCATE_PROTOCOL))
                return fw_fail_status[FW_LOCATE_PROTOCOL];
        for (struct fw_handle *h = fw.handles; h; h = h->next) {
                void *p = fw_handle_find(h, guid);
                if (p) {
                        *ret = p;
                        return EFI_SUCCESS;
                }
        }
        return EFI_NOT_FOUND;
}

static EFI_STATUS EFIAPI bs_install_multiple(EFI_HANDLE *handle, ...) {
        __builtin_ms_va_list ap;
        if (fw_fault(FW_INSTALL_PROTOCOL))
                return fw_fail_status[FW_INSTALL_PROTOCOL];
        struct fw_handle *h = *handle ? fw_handle_check(*handle) : fw_handle_new(false);
        if (!h)
                fw_finish(FW_VIOLATION, "InstallMultipleProtocolInterfaces on a handle that does not exist");
        __builtin_ms_va_start(ap, handle);
        for (;;) {
                EFI_GUID *g = __builtin_va_arg(ap, EFI_GUID *);
                if (!g)
                        break;
                fw_handle_add(h, g, __builtin_va_arg(ap, void *));
        }
        __builtin_ms_va_end(ap);
        *handle = h;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_uninstall_multiple(EFI_HANDLE handle, ...) {
        __builtin_ms_va_list ap;
        struct fw_handle *h = fw_handle_check(handle);
        if (!h)
                fw_finish(FW_VIOLATION, "UninstallMultipleProtocolInterfaces on a handle that does not exist");
        __builtin_ms_va_start(ap, handle);
        for (;;) {
                EFI_GUID *g = __builtin_va_arg(ap, EFI_GUID *);
                if (!g)
                        break;
                void *iface = __builtin_va_arg(ap, void *);
                unsigned i;
                for (i = 0; i < h->n; i++)
                        if (memcmp(&h->p[i].guid, g, sizeof(*g)) == 0 && h->p[i].iface == iface)
                                break;
                if (i == h->n)
                        fw_finish(FW_VIOLATION, "uninstalling a protocol interface that is not installed");
                h->p[i] = h->p[--h->n];
        }
        __builtin_ms_va_end(ap);
        if (h->n == 0)
                fw_handle_destroy(h);
        return EFI_SUCCESS;
}

size_t fw_dp_size(const EFI_DEVICE_PATH *dp) {
        const EFI_DEVICE_PATH *p = dp;
        while (!IsDevicePathEnd(p))
                p = NextDevicePathNode(p);
        return (size_t) ((const uint8_t *) p - (const uint8_t *) dp);
}

/* The handle with protocol guid whose device path is the longest prefix of *dp. */
EFI_STATUS EFIAPI fw_bs_locate_device_path(EFI_GUID *guid, EFI_DEVICE_PATH **dp, EFI_HANDLE *ret) {
        struct fw_handle *best = NULL;
        size_t best_len = 0;
        size_t want = fw_dp_size(*dp);
        for (struct fw_handle *h = fw.handles; h; h = h->next) {
                EFI_DEVICE_PATH *hp = fw_handle_find(h, &gEfiDevicePathProtocolGuid);
                if (!hp || !fw_handle_find(h, guid))
                        continue;
                size_t l = fw_dp_size(hp);
                if (l <= want && memcmp(hp, *dp, l) == 0 && (!best || l > best_len)) {
                        best = h;
                        best_len = l;
                }
        }
        if (!best)
                return EFI_NOT_FOUND;
        *dp = (EFI_DEVICE_PATH *) ((uint8_t *) *dp + best_len);
        *ret = best;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_locate_handle_buffer(EFI_LOCATE_SEARCH_TYPE type, EFI_GUID *guid, void *key,
                                                 UINTN *ret_n, EFI_HANDLE **ret) {
        (void) key;
        UINTN n = 0;
        for (struct fw_handle *h = fw.handles; h; h = h->next)
                n += type == AllHandles || fw_handle_find(h, guid);
        if (n == 0)
                return EFI_NOT_FOUND;
        EFI_HANDLE *v = fw_pool_new(n * sizeof(*v), true);
        n = 0;
        for (struct fw_handle *h = fw.handles; h; h = h->next)
                if (type == AllHandles || fw_handle_find(h, guid))
                        v[n++] = h;
        *ret_n = n;
        *ret = v;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_connect_controller(EFI_HANDLE h, EFI_HANDLE *drivers, EFI_DEVICE_PATH *rem, BOOLEAN r) {
        (void) h, (void) drivers, (void) rem, (void) r;
        return EFI_SUCCESS;
}

/* ---- time, events, console ---- */

static EFI_STATUS EFIAPI bs_stall(UINTN usec) {
        fw.stalled_usec += usec;
        if (fw.stalled_usec > STALL_LIMIT_USEC)
                fw_finish(FW_HANG, "ukiboot stalled for more than an hour");
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_set_watchdog(UINTN t, UINT64 code, UINTN size, CHAR16 *data) {
        (void) t, (void) code, (void) size, (void) data;
        return EFI_SUCCESS;
}

struct fw_event *fw_event_check(EFI_EVENT e) {
        for (struct fw_event *v = fw.events; v; v = v->next)
                if (v == e)
                        return v;
        return NULL;
}

static EFI_STATUS EFIAPI bs_create_event(UINT32 type, EFI_TPL tpl, EFI_EVENT_NOTIFY notify, void *ctx,
                                         EFI_EVENT *ret) {
        (void) tpl;
        if (fw_fault(FW_CREATE_EVENT))
                return fw_fail_status[FW_CREATE_EVENT];
        struct fw_event *e = calloc(1, sizeof(*e));
        if (!e)
                abort();
        e->magic = EVENT_MAGIC;
        e->type = type;
        e->notify = notify;
        e->ctx = ctx;
        e->next = fw.events;
        fw.events = e;
        *ret = e;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI bs_close_event(EFI_EVENT ev) {
        for (struct fw_event **pp = &fw.events; *pp; pp = &(*pp)->next)
                if (*pp == ev) {
                        *pp = (*pp)->next;
                        free(ev);
                        return EFI_SUCCESS;
                }
        fw_finish(FW_VIOLATION, "CloseEvent of an event that does not exist");
}

static EFI_STATUS EFIAPI bs_set_timer(EFI_EVENT ev, EFI_TIMER_DELAY type, UINT64 t) {
        (void) t;
        struct fw_event *e = fw_event_check(ev);
        if (!e)
                fw_finish(FW_VIOLATION, "SetTimer on an event that does not exist");
        e->timer_armed = type != TimerCancel;
        return EFI_SUCCESS;
}

static bool key_waiting(void) {
        const char *k = fw.setup->keys;
        return k && k[fw.key_pos];
}

/* A key arrives if one is scripted, else an armed timer fires; with neither, ukiboot waits for a person. */
static EFI_STATUS EFIAPI bs_wait_for_event(UINTN n, EFI_EVENT *events, UINTN *idx) {
        for (UINTN i = 0; i < n; i++)
                if (events[i] == &fw.wait_for_key && key_waiting()) {
                        *idx = i;
                        return EFI_SUCCESS;
                }
        for (UINTN i = 0; i < n; i++) {
                struct fw_event *e = fw_event_check(events[i]);
                if (events[i] != &fw.wait_for_key && !e)
                        fw_finish(FW_VIOLATION, "WaitForEvent on an event that does not exist");
                if (e && e->timer_armed) {
                        e->timer_armed = false;
                        *idx = i;
                        return EFI_SUCCESS;
                }
        }
        fw_finish(FW_WAITS, NULL);
}

static EFI_STATUS EFIAPI con_read_key(SIMPLE_INPUT_INTERFACE *this, EFI_INPUT_KEY *key) {
        (void) this;
        if (!key_waiting())
                return EFI_NOT_READY;
        key->ScanCode = 0;
        key->UnicodeChar = (unsigned char) fw.setup->keys[fw.key_pos++];
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI con_output(SIMPLE_TEXT_OUTPUT_INTERFACE *this, CHAR16 *s) {
        (void) this;
        fw_console_append(s);
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI con_query_mode(SIMPLE_TEXT_OUTPUT_INTERFACE *this, UINTN mode, UINTN *cols, UINTN *rows) {
        (void) this, (void) mode;
        *cols = 80;
        *rows = 25;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI con_ok(void) {
        return EFI_SUCCESS;
}

/* ---- variables ---- */

static size_t str16_len(const CHAR16 *s) {
        size_t n = 0;
        while (s[n])
                n++;
        return n;
}

static struct fw_variable *var_find(const CHAR16 *name, const EFI_GUID *guid) {
        for (struct fw_variable *v = fw.vars; v; v = v->next)
                if (memcmp(&v->guid, guid, sizeof(*guid)) == 0 && str16_len(v->name) == str16_len(name) &&
                    memcmp(v->name, name, str16_len(name) * 2) == 0)
                        return v;
        return NULL;
}

static void var_store(const CHAR16 *name, const EFI_GUID *guid, UINT32 attr, const void *data, size_t len) {
        struct fw_variable *v = var_find(name, guid);
        if (!v) {
                v = calloc(1, sizeof(*v));
                if (!v || str16_len(name) >= 128)
                        abort();
                memcpy(v->name, name, str16_len(name) * 2);
                v->guid = *guid;
                v->next = fw.vars;
                fw.vars = v;
        }
        free(v->data);
        v->data = malloc(len ? len : 1);
        if (!v->data)
                abort();
        memcpy(v->data, data, len);
        v->len = len;
        v->attr = attr;
}

static void var_delete(const CHAR16 *name, const EFI_GUID *guid) {
        for (struct fw_variable **pp = &fw.vars; *pp; pp = &(*pp)->next)
                if (*pp == var_find(name, guid)) {
                        struct fw_variable *v = *pp;
                        *pp = v->next;
                        free(v->data);
                        free(v);
                        return;
                }
}

static EFI_STATUS EFIAPI rt_get_variable(CHAR16 *name, EFI_GUID *guid, UINT32 *attr, UINTN *size, void *data) {
        if (fw_fault(FW_GET_VARIABLE))
                return fw_fail_status[FW_GET_VARIABLE];
        struct fw_variable *v = var_find(name, guid);
        if (!v)
                return EFI_NOT_FOUND;
        if (*size < v->len) {
                *size = v->len;
                return EFI_BUFFER_TOO_SMALL;
        }
        memcpy(data, v->data, v->len);
        *size = v->len;
        if (attr)
                *attr = v->attr;
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI rt_set_variable(CHAR16 *name, EFI_GUID *guid, UINT32 attr, UINTN size, void *data) {
        if (fw_fault(FW_SET_VARIABLE))
                return fw_fail_status[FW_SET_VARIABLE];
        if (size == 0 || attr == 0) {
                if (!var_find(name, guid))
                        return EFI_NOT_FOUND;
                var_delete(name, guid);
                return EFI_SUCCESS;
        }
        var_store(name, guid, attr, data, size);
        return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI rt_reset(EFI_RESET_TYPE type, EFI_STATUS st, UINTN size, CHAR16 *data) {
        (void) st, (void) size, (void) data;
        fw.res->reset_type = (int) type;
        fw_finish(FW_RESET, NULL);
}

/* ---- the run ---- */

static void tables_init(void) {
        fw_fill_unexpected(&fw.bs, sizeof(EFI_TABLE_HEADER), sizeof(fw.bs));
        fw.bs.AllocatePool = bs_allocate_pool;
        fw.bs.FreePool = bs_free_pool;
        fw.bs.AllocatePages = bs_allocate_pages;
        fw.bs.FreePages = bs_free_pages;
        fw.bs.HandleProtocol = bs_handle_protocol;
        fw.bs.LocateProtocol = bs_locate_protocol;
        fw.bs.GetNextMonotonicCount = bs_get_next_monotonic_count;
        fw.bs.InstallConfigurationTable = bs_install_configuration_table;
        fw.bs.InstallMultipleProtocolInterfaces = (void *) bs_install_multiple;
        fw.bs.UninstallMultipleProtocolInterfaces = (void *) bs_uninstall_multiple;
        fw.bs.LocateDevicePath = fw_bs_locate_device_path;
        fw.bs.LocateHandleBuffer = bs_locate_handle_buffer;
        fw.bs.ConnectController = bs_connect_controller;
        fw.bs.Stall = bs_stall;
        fw.bs.SetWatchdogTimer = bs_set_watchdog;
        fw.bs.CreateEvent = bs_create_event;
        fw.bs.CloseEvent = bs_close_event;
        fw.bs.SetTimer = bs_set_timer;
        fw.bs.WaitForEvent = bs_wait_for_event;
        fw.bs.LoadImage = fw_bs_load_image;
        fw.bs.StartImage = fw_bs_start_image;
        fw.bs.UnloadImage = fw_bs_unload_image;
        fw_fill_unexpected(&fw.rt, sizeof(EFI_TABLE_HEADER), sizeof(fw.rt));
        fw.rt.GetVariable = rt_get_variable;
        fw.rt.GetTime = rt_get_time;
        fw.rt.SetVariable = rt_set_variable;
        fw.rt.ResetSystem = rt_reset;

        fw.con_in.ReadKeyStroke = con_read_key;
        fw.con_in.WaitForKey = &fw.wait_for_key;
        fw_fill_unexpected(&fw.con_out, 0, sizeof(fw.con_out));
        fw.con_out.OutputString = con_output;
        fw.con_out.QueryMode = con_query_mode;
        fw.con_out.SetAttribute = (void *) con_ok;
        fw.con_out.ClearScreen = (void *) con_ok;
        fw.con_out.SetCursorPosition = (void *) con_ok;
        fw.con_out.EnableCursor = (void *) con_ok;
        fw.con_out.Mode = &fw.con_mode;

        fw.st.Hdr.Revision = (2 << 16) | 70;
        fw.st.FirmwareVendor = L"ukiboot fake firmware";
        fw.st.FirmwareRevision = 0x10000;
        fw.st.ConIn = &fw.con_in;
        fw.st.ConOut = &fw.con_out;
        fw.st.ConfigurationTable = fw.tables;
        fw.st.BootServices = &fw.bs;
        fw.st.RuntimeServices = &fw.rt;
}

/* The ESP's device (a GPT partition) and ukiboot's own image, loaded from \EFI\BOOT\BOOTX64.EFI on it. */
static void handles_init(void) {
        HARDDRIVE_DEVICE_PATH *hd = (HARDDRIVE_DEVICE_PATH *) fw.esp_dp;
        memset(fw.esp_dp, 0, sizeof(fw.esp_dp));
        hd->Header.Type = MEDIA_DEVICE_PATH;
        hd->Header.SubType = MEDIA_HARDDRIVE_DP;
        hd->Header.Length[0] = sizeof(*hd);
        hd->PartitionNumber = 1;
        hd->MBRType = MBR_TYPE_EFI_PARTITION_TABLE_HEADER;
        hd->SignatureType = SIGNATURE_TYPE_GUID;
        for (int i = 0; i < 16; i++)
                hd->Signature[i] = (uint8_t) (0x10 + i);
        EFI_DEVICE_PATH *end = (EFI_DEVICE_PATH *) (fw.esp_dp + sizeof(*hd));
        end->Type = END_DEVICE_PATH_TYPE;
        end->SubType = END_ENTIRE_DEVICE_PATH_SUBTYPE;
        end->Length[0] = sizeof(EFI_DEVICE_PATH);

        fw.sfs.Revision = EFI_FILE_IO_INTERFACE_REVISION;
        fw.sfs.OpenVolume = fw_sfs_open_volume;
        fw.esp = fw_handle_new(true);
        fw_handle_add(fw.esp, &gEfiDevicePathProtocolGuid, fw.esp_dp);
        fw_handle_add(fw.esp, &gEfiSimpleFileSystemProtocolGuid, &fw.sfs);

        static const CHAR16 self_name[] = L"\\EFI\\BOOT\\BOOTX64.EFI";
        EFI_DEVICE_PATH *fp = (EFI_DEVICE_PATH *) fw.self_path;
        fp->Type = MEDIA_DEVICE_PATH;
        fp->SubType = MEDIA_FILEPATH_DP;
        fp->Length[0] = (UINT8) (4 + sizeof(self_name));
        memcpy(fw.self_path + 4, self_name, sizeof(self_name));
        end = (EFI_DEVICE_PATH *) (fw.self_path + 4 + sizeof(self_name));
        end->Type = END_DEVICE_PATH_TYPE;
        end->SubType = END_ENTIRE_DEVICE_PATH_SUBTYPE;
        end->Length[0] = sizeof(EFI_DEVICE_PATH);
        fw.self_li.Revision = EFI_LOADED_IMAGE_PROTOCOL_REVISION;
        fw.self_li.DeviceHandle = fw.esp;
        fw.self_li.FilePath = fp;
        fw.self_li.SystemTable = &fw.st;
        fw.self = fw_handle_new(true);
        fw_handle_add(fw.self, &gEfiLoadedImageProtocolGuid, &fw.self_li);

        fw.sec.FileAuthenticationState = fw_sec_authenticate_state;
        fw.sec2.FileAuthentication = fw_sec2_authenticate;
        struct fw_handle *arch = fw_handle_new(true);
        fw_handle_add(arch, &fw_guid_security, &fw.sec);
        fw_handle_add(arch, &fw_guid_security2, &fw.sec2);

        if (fw.setup->tpm) {
                fw.tcg2.get_capability = fw_tcg2_get_capability;
                fw.tcg2.hash_log_extend_event = fw_tcg2_hash_log_extend;
                fw_handle_add(fw_handle_new(true), &fw_guid_tcg2, &fw.tcg2);
        }
        if (fw.setup->http_body) {
                struct fw_handle *nic = fw_handle_new(true);
                fw.http_sb.CreateChild = fw_sb_create_child;
                fw.http_sb.DestroyChild = fw_sb_destroy_child;
                fw.ip4.GetData = fw_ip4_get_data;
                fw.ip4.SetData = fw_ip4_set_data;
                fw_handle_add(nic, &fw_guid_http_sb, &fw.http_sb);
                fw_handle_add(nic, &fw_guid_ip4_config2, &fw.ip4);
        }
}

static void vars_init(void) {
        for (size_t i = 0; i < fw.setup->n_vars; i++) {
                const struct fw_var *v = &fw.setup->vars[i];
                CHAR16 name[128];
                size_t l = strlen(v->name);
                for (size_t j = 0; j <= l; j++)
                        name[j] = (unsigned char) v->name[j];
                if (v->ascii) {
                        CHAR16 val[512];
                        size_t vl = strlen(v->ascii);
                        for (size_t j = 0; j <= vl; j++)
                                val[j] = (unsigned char) v->ascii[j];
                        var_store(name, v->guid, 7, val, (vl + 1) * 2);
                } else
                        var_store(name, v->guid, 7, v->raw, v->raw_len);
        }
}

/* Count and free what is left (after the result has recorded it). */
/* What the run left of the random seed: the file's bytes, and the table the kernel would find. */
static void seed_result(struct fw_result *r) {
        static const EFI_GUID seed_guid = { 0x1ce1e5bc, 0x7ceb, 0x42f2, { 0x81, 0xe5, 0x8a, 0xad, 0xf1, 0x80, 0xf5, 0x7b } };
        int i = fw_esp_file("/loader/random-seed");
        if (i >= 0) {
                const uint8_t *d = fw_file_data((size_t) i, &r->seed_file_len);
                memcpy(r->seed_file, d, r->seed_file_len < sizeof(r->seed_file) ? r->seed_file_len : sizeof(r->seed_file));
                r->seed_file_written = fw.written[i] != NULL;
        }
        for (UINTN t = 0; t < fw.st.NumberOfTableEntries; t++) {
                if (memcmp(&fw.tables[t].VendorGuid, &seed_guid, sizeof(seed_guid)) != 0)
                        continue;
                const uint8_t *table = fw.tables[t].VendorTable;
                if (uk_le32(table) == sizeof(r->seed_table)) {
                        memcpy(r->seed_table, table + 4, sizeof(r->seed_table));
                        r->seed_table_installed = true;
                }
        }
        static const EFI_GUID dtb_guid = { 0xb1b621d5, 0xf19c, 0x41a5, { 0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0 } };
        for (UINTN t = 0; t < fw.st.NumberOfTableEntries; t++) {
                const uint8_t *d = fw.tables[t].VendorTable;
                if (memcmp(&fw.tables[t].VendorGuid, &dtb_guid, sizeof(dtb_guid)) != 0 || !d)
                        continue;
                uint32_t total = (uint32_t) d[4] << 24 | (uint32_t) d[5] << 16 | (uint32_t) d[6] << 8 | d[7];
                uk_sha256(d, total < (1u << 20) ? total : 0, r->dtb_sha256);
                r->dtb_installed = true;
        }
        /* Installed tables belong to the system now: freed here, not counted as left behind. */
        /* (A device tree lives in pages of its own, counted with the pages.) */
        for (UINTN t = 0; t < fw.st.NumberOfTableEntries; t++)
                if (memcmp(&fw.tables[t].VendorGuid, &dtb_guid, sizeof(dtb_guid)) != 0)
                        pool_free(fw.tables[t].VendorTable);
        fw.st.NumberOfTableEntries = 0;
        for (size_t f = 0; f < UK_ELEMENTSOF(fw.written); f++) {
                free(fw.written[f]);
                fw.written[f] = NULL;
        }
}

static void teardown(struct fw_result *r) {
        unsigned n;
        seed_result(r);
        for (n = 0; fw.pool.next; n++) {
                struct pool_block *b = fw.pool.next;
                fw.pool.next = b->next;
                free(b);
        }
        r->pool_left = n;
        for (n = 0; fw.pages; n++) {
                struct page_block *b = fw.pages;
                fw.pages = b->next;
                free(b->addr);
                free(b);
        }
        r->pages_left = n;
        for (n = 0; fw.files; n++) {
                struct fw_file_handle *f = fw.files;
                fw.files = f->next;
                free(f);
        }
        r->files_left = n;
        for (n = 0; fw.events; n++) {
                struct fw_event *e = fw.events;
                fw.events = e->next;
                free(e);
        }
        r->events_left = n;
        for (n = 0; fw.images; n++)
                fw_image_free(fw.images);
        r->images_left = n;
        for (n = 0; fw.handles; ) {
                struct fw_handle *h = fw.handles;
                fw.handles = h->next;
                if (!h->firmware_owned) {
                        /* An HTTP child ukiboot never destroyed: its instance goes with it. */
                        free(fw_handle_find(h, &fw_guid_http));
                        n++;
                }
                free(h);
        }
        r->foreign_handles_left = n;
        static EFI_GUID loader = { 0x4a67b082, 0x0a4c, 0x41cf, { 0xb6, 0xc7, 0x44, 0x0b, 0x29, 0xbb, 0x8c, 0x4f } };
        static EFI_GUID global = { 0x8be4df61, 0x93ca, 0x11d2, { 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c } };
        struct fw_variable *ind = var_find(L"OsIndications", &global);
        if (ind && ind->len == 8)
                r->os_indications = uk_le64(ind->data);
        struct fw_variable *count = var_find(L"LoaderBootCountPath", &loader);
        for (size_t i = 0; count && i < count->len / 2 && i + 1 < sizeof(r->boot_count_path); i++)
                r->boot_count_path[i] = (char) ((const CHAR16 *) count->data)[i];
        for (size_t i = 0; i < UK_ELEMENTSOF(fw.renamed); i++) {
                free(fw.renamed[i]);
                fw.renamed[i] = NULL;
        }
        while (fw.vars) {
                struct fw_variable *v = fw.vars;
                fw.vars = v->next;
                free(v->data);
                free(v);
        }
}

void fw_run(const struct fw_setup *setup, struct fw_result *ret) {
        if (setup->n_files > UK_ELEMENTSOF(fw.renamed))
                abort();
        memset(ret, 0, sizeof(*ret));
        memset(&fw, 0, sizeof(fw));
        fw.setup = setup;
        fw.res = ret;
        tables_init();
        handles_init();
        vars_init();
        if (setjmp(fw.escape) == 0) {
                ret->returned = efi_main(fw.self, &fw.st);
                ret->outcome = FW_RETURNED;
        }
        ret->hooks_restored = fw.sec2.FileAuthentication == fw_sec2_authenticate &&
                              fw.sec.FileAuthenticationState == fw_sec_authenticate_state;
        teardown(ret);
        fw.res = NULL;
}

void fw_result_free(struct fw_result *r) {
        free(r->console);
        r->console = NULL;
}
