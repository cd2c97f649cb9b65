/* ukiboot — host test harness: what the fake firmware's files share (fake_fw.c the core and the run,
 * fake_esp.c the file system, fake_image.c images, Security2 and the TPM, fake_net.c HTTP). */
#pragma once
#include <setjmp.h>
#include "fake_fw.h"
#include "http.h"

#define MAX_PROTOCOLS 8

extern EFI_GUID fw_guid_load_file2, fw_guid_initrd_media, fw_guid_security, fw_guid_security2, fw_guid_tcg2,
        fw_guid_http_sb, fw_guid_http, fw_guid_ip4_config2;
extern const EFI_STATUS fw_fail_status[FW_N_CALLS];


struct fw_handle {
        struct fw_handle *next;
        bool firmware_owned;            /* created by the fake at start, not by ukiboot */
        unsigned n;
        struct { EFI_GUID guid; void *iface; } p[MAX_PROTOCOLS];
};

struct pool_block {
        struct pool_block *prev, *next;
        uint64_t magic;
        size_t size;
        bool driver;                    /* allocated by a fake driver for ukiboot to free (HTTP headers) */
        uint64_t pad;
};
#define POOL_MAGIC 0x706f6f6c626c6b21ULL

struct page_block {
        struct page_block *next;
        void *addr;
        UINTN pages;
};

struct fw_file_handle {
        EFI_FILE_PROTOCOL api;          /* first: ukiboot hands this pointer back */
        uint64_t magic;
        struct fw_file_handle *next;
        char path[512];                 /* "/" separated, no trailing slash; "" for the root */
        int file;                       /* index into setup->files, -1 for a directory */
        bool writable;                  /* opened EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE */
        uint64_t pos;                   /* byte position, or the next directory entry */
};
#define FILE_MAGIC 0x66696c6568616e64ULL

struct fw_event {
        uint64_t magic;
        struct fw_event *next;
        UINT32 type;
        EFI_EVENT_NOTIFY notify;
        void *ctx;
        bool timer_armed;
};
#define EVENT_MAGIC 0x6576656e74212121ULL

struct fw_image {
        struct fw_image *next;
        struct fw_handle *handle;
        EFI_LOADED_IMAGE li;
        void *copy;
        size_t len;
        char path[512];
        bool is_kernel;
};

struct fw_variable {
        struct fw_variable *next;
        CHAR16 name[128];
        EFI_GUID guid;
        UINT32 attr;
        size_t len;
        uint8_t *data;
};

/* EFI_TCG2_BOOT_SERVICE_CAPABILITY and the first members of EFI_TCG2_PROTOCOL (TCG EFI Protocol spec). */
struct tcg2_capability {
        UINT8 size;
        UINT8 structure_major, structure_minor, protocol_major, protocol_minor;
        UINT32 hash_algorithm_bitmap;
        UINT32 supported_event_logs;
        BOOLEAN tpm_present;
        UINT16 max_command_size, max_response_size;
        UINT32 manufacturer_id, number_of_pcr_banks, active_pcr_banks;
};
struct tcg2 {
        EFI_STATUS (EFIAPI *get_capability)(struct tcg2 *, struct tcg2_capability *);
        void *get_event_log;
        EFI_STATUS (EFIAPI *hash_log_extend_event)(struct tcg2 *, UINT64, EFI_PHYSICAL_ADDRESS, UINT64, void *);
        void *rest[4];
};

/* PI specification's Security and Security2 architectural protocols: one function each. */
struct security_arch {
        EFI_STATUS (EFIAPI *FileAuthenticationState)(const void *, UINT32, const EFI_DEVICE_PATH *);
};
struct security2_arch {
        EFI_STATUS (EFIAPI *FileAuthentication)(const void *, const EFI_DEVICE_PATH *, void *, UINTN, BOOLEAN);
};

struct http_child {
        EFI_HTTP_PROTOCOL api;          /* first: ukiboot hands this pointer back */
        struct fw_handle *handle;
        int phase;                      /* 0: request next, 1: response headers next, 2: body */
        size_t sent;
        bool ranged;                    /* the request asked for "Range: bytes=N-": a 206 from byte N */
};
struct fw_state {
        const struct fw_setup *setup;
        struct fw_result *res;
        jmp_buf escape;
        unsigned total_calls;
        uint64_t stalled_usec;
        size_t key_pos;
        struct fw_handle *handles;
        struct pool_block pool;                 /* list head */
        struct page_block *pages;
        struct fw_file_handle *files;
        struct fw_event *events;
        struct fw_image *images;
        struct fw_variable *vars;
        struct fw_handle *esp, *self;
        struct fw_event wait_for_key;
        struct security_arch sec;
        struct security2_arch sec2;
        struct tcg2 tcg2;
        EFI_SERVICE_BINDING http_sb;
        EFI_IP4_CONFIG2_PROTOCOL ip4;
        EFI_BOOT_SERVICES bs;
        EFI_RUNTIME_SERVICES rt;
        EFI_SYSTEM_TABLE st;
        SIMPLE_INPUT_INTERFACE con_in;
        SIMPLE_TEXT_OUTPUT_INTERFACE con_out;
        SIMPLE_TEXT_OUTPUT_MODE con_mode;
        EFI_FILE_IO_INTERFACE sfs;
        EFI_LOADED_IMAGE self_li;
        uint8_t esp_dp[64], self_path[128];
        char *renamed[64];                      /* per setup file: its path after a SetInfo rename */
        uint8_t *written[64];                   /* per setup file: its bytes once something was written */
        size_t written_len[64];
        EFI_CONFIGURATION_TABLE tables[8];      /* InstallConfigurationTable's, ST->ConfigurationTable */
        uint64_t monotonic;
};
extern struct fw_state fw;

/* A setup file's bytes now: as set up, or as written during the run. */
const uint8_t *fw_file_data(size_t i, size_t *ret_len);

/* Core (fake_fw.c). */
/* End the run now with outcome o (fmt: what went wrong, for VIOLATION and HANG). */
void __attribute__((noreturn, format(printf, 2, 3))) fw_finish(enum fw_outcome o, const char *fmt, ...);
/* Count one call of kind c; true if it is the one the run makes fail. */
bool fw_fault(enum fw_call c);
/* Point every function slot of a protocol or table (after header bytes) at a stub that ends the run. */
void fw_fill_unexpected(void *table, size_t header, size_t size);
/* Pool memory without a fault (driver: allocated by a fake driver for ukiboot to free). */
void *fw_pool_new(size_t size, bool driver);
/* Handles: create, look up (NULL if none), add a protocol, find a protocol on one, destroy. */
struct fw_handle *fw_handle_new(bool firmware_owned);
struct fw_handle *fw_handle_check(EFI_HANDLE handle);
void fw_handle_add(struct fw_handle *h, const EFI_GUID *guid, void *iface);
void *fw_handle_find(struct fw_handle *h, const EFI_GUID *guid);
void fw_handle_destroy(struct fw_handle *victim);
/* Bytes of a device path before its end node. */
size_t fw_dp_size(const EFI_DEVICE_PATH *dp);
/* BS->LocateDevicePath: the handle with guid whose path is the longest prefix of *dp. */
EFI_STATUS EFIAPI fw_bs_locate_device_path(EFI_GUID *guid, EFI_DEVICE_PATH **dp, EFI_HANDLE *ret);
/* The live event e, or NULL. */
struct fw_event *fw_event_check(EFI_EVENT e);

/* ESP (fake_esp.c). */
/* A UTF-16 path (relative to base unless absolute) as "/a/b"; "" is the root. */
void fw_path_from16(const CHAR16 *p16, const char *base, char *out, size_t cap);
/* Index of the file at path in the setup (case-insensitive), -1 if none. */
int fw_esp_file(const char *path);
/* The path of setup file i now (renames included). */
const char *fw_file_path(size_t i);
/* EFI_SIMPLE_FILE_SYSTEM_PROTOCOL.OpenVolume of the ESP. */
EFI_STATUS EFIAPI fw_sfs_open_volume(EFI_FILE_IO_INTERFACE *this, EFI_FILE_PROTOCOL **root);

/* Images, Security, TPM (fake_image.c): the services and protocol functions the core installs. */
void fw_image_free(struct fw_image *img);
EFI_STATUS EFIAPI fw_sec2_authenticate(const void *this, const EFI_DEVICE_PATH *file, void *buf, UINTN size,
                                       BOOLEAN boot_policy);
EFI_STATUS EFIAPI fw_sec_authenticate_state(const void *this, UINT32 status, const EFI_DEVICE_PATH *file);
EFI_STATUS EFIAPI fw_bs_load_image(BOOLEAN boot_policy, EFI_HANDLE parent, EFI_DEVICE_PATH *dp, void *src,
                                   UINTN size, EFI_HANDLE *ret);
EFI_STATUS EFIAPI fw_bs_unload_image(EFI_HANDLE h);
EFI_STATUS EFIAPI fw_bs_start_image(EFI_HANDLE h, UINTN *exit_size, CHAR16 **exit_data);
EFI_STATUS EFIAPI fw_tcg2_get_capability(struct tcg2 *this, struct tcg2_capability *cap);
EFI_STATUS EFIAPI fw_tcg2_hash_log_extend(struct tcg2 *this, UINT64 flags, EFI_PHYSICAL_ADDRESS data,
                                          UINT64 len, void *event);

/* Network (fake_net.c): the NIC's IPv4 configuration and HTTP service binding functions. */
EFI_STATUS EFIAPI fw_ip4_get_data(EFI_IP4_CONFIG2_PROTOCOL *this, EFI_IP4_CONFIG2_DATA_TYPE type, UINTN *size,
                                  void *data);
EFI_STATUS EFIAPI fw_ip4_set_data(EFI_IP4_CONFIG2_PROTOCOL *this, EFI_IP4_CONFIG2_DATA_TYPE type, UINTN size,
                                  void *data);
EFI_STATUS EFIAPI fw_sb_create_child(EFI_SERVICE_BINDING *this, EFI_HANDLE *ret);
EFI_STATUS EFIAPI fw_sb_destroy_child(EFI_SERVICE_BINDING *this, EFI_HANDLE h);
