/* ukiboot EFI — download a `uki-url tftp://` UKI through the firmware's MTFTPv4 driver (over UDP4/IP4).
 *
 * One read per boot attempt: the file's size first (an RRQ with the tsize option, answered by an OACK),
 * then the whole file into pages allocated once, with the blksize option so that a block fills an
 * Ethernet frame. The driver retries each packet TRY_COUNT times TIMEOUT_SEC apart, so a server that
 * stops answering costs at most that before the next entry is tried. */
#include "tftp.h"
#include "http.h"
#include "fetch_rules.h"
#include "url.h"
#include "util.h"

#define TRY_COUNT 4
#define TIMEOUT_SEC 4
#define FETCH_MAX_SIZE UK_FETCH_SIZE_MAX
#define PROGRESS_USEC (1000ULL * 1000)

static EFI_GUID mtftp4_sb_guid = UK_MTFTP4_SERVICE_BINDING_GUID;
static EFI_GUID mtftp4_guid = UK_MTFTP4_PROTOCOL_GUID;

struct progress {
        uint64_t got, total, t0, last;
};

static uint16_t be16(uint16_t v) {
        return (uint16_t) ((v >> 8) | (v << 8));
}

/* Each DATA packet of the read: count it, and say how far we are about once a second. */
static EFIAPI EFI_STATUS on_packet(EFI_MTFTP4_PROTOCOL *This, EFI_MTFTP4_TOKEN *token, UINT16 len,
                                   EFI_MTFTP4_PACKET *packet) {
        struct progress *p = token->Context;
        (void) This;
        if (be16(packet->OpCode) != UK_MTFTP4_OPCODE_DATA || len < 4)
                return EFI_SUCCESS;
        p->got += (uint64_t) len - 4;
        uint64_t now = timer_usec();
        if (now - p->last >= PROGRESS_USEC) {
                p->last = now;
                net_print_progress(p->got, p->total, now - p->t0);
        }
        return EFI_SUCCESS;
}

/* The server's word in an ERROR packet: "file not found" is EFI_NOT_FOUND (the entry's file is missing),
 * anything else is said with the server's message. */
static EFI_STATUS server_error(const char *id, const char *url, EFI_MTFTP4_PACKET *packet, UINT32 len) {
        if (!packet || len < 4 || be16(packet->OpCode) != UK_MTFTP4_OPCODE_ERROR) {
                log_error(L"%a: %a: the TFTP server answered with an error", id, url);
                return EFI_TFTP_ERROR;
        }
        if (be16(packet->Error.ErrorCode) == UK_MTFTP4_ERRORCODE_FILE_NOT_FOUND) {
                log_error(L"%a: %a: the TFTP server has no such file", id, url);
                return EFI_NOT_FOUND;
        }
        char msg[80];
        UINT32 n = len - 4 < sizeof(msg) - 1 ? len - 4 : sizeof(msg) - 1;
        for (UINT32 i = 0; i < n; i++)  /* printable ASCII only: the console is ours, not the server's */
                msg[i] = packet->Error.ErrorMessage[i] >= 0x20 && packet->Error.ErrorMessage[i] < 0x7f ?
                                 (char) packet->Error.ErrorMessage[i] : (packet->Error.ErrorMessage[i] ? '?' : 0);
        msg[n] = 0;
        log_error(L"%a: %a: the TFTP server answered error %d: %a", id, url, be16(packet->Error.ErrorCode), msg);
        return EFI_TFTP_ERROR;
}

/* The file's size, from the tsize option of the server's OACK. */
static EFI_STATUS file_size(const char *id, const char *url, EFI_MTFTP4_PROTOCOL *m, UINT8 *name, uint64_t *ret) {
        EFI_MTFTP4_OPTION ask = { (UINT8 *) "tsize", (UINT8 *) "0" };
        EFI_MTFTP4_PACKET *packet = NULL;
        EFI_MTFTP4_OPTION *opts = NULL;
        UINT32 len = 0, n = 0;

        EFI_STATUS st = m->GetInfo(m, NULL, name, (UINT8 *) "octet", 1, &ask, &len, &packet);
        if (st == EFI_TFTP_ERROR) {
                st = server_error(id, url, packet, len);
                goto out;
        }
        if (EFI_ERROR(st)) {
                log_error(L"%a: %a: no answer from the TFTP server: %r", id, url, st);
                goto out;
        }
        st = m->ParseOptions(m, len, packet, &n, &opts);
        if (!EFI_ERROR(st)) {
                st = EFI_UNSUPPORTED;
                for (UINT32 i = 0; i < n; i++)
                        if (uk_strcmp((const char *) opts[i].OptionStr, "tsize") == 0 &&
                            uk_parse_u64((const char *) opts[i].ValueStr, uk_strlen((const char *) opts[i].ValueStr), ret))
                                st = EFI_SUCCESS;
        }
        if (EFI_ERROR(st))
                log_error(L"%a: %a: the TFTP server does not say the file's size (tsize option)", id, url);
out:
        if (opts)
                FreePool(opts);
        if (packet)
                FreePool(packet);
        return st;
}

static EFI_STATUS read_file(const char *id, const char *url, EFI_MTFTP4_PROTOCOL *m, UINT8 *name, void **ret_buf,
                            uint64_t *ret_size, UINTN *ret_pages) {
        uint64_t size;
        void *buf = NULL;
        UINTN pages = 0;

        EFI_STATUS st = file_size(id, url, m, name, &size);
        if (EFI_ERROR(st))
                return st;
        if (size == 0 || size > FETCH_MAX_SIZE) {
                log_error(L"%a: %a: the file is %ld bytes (1 to %ld accepted)", id, url, size, FETCH_MAX_SIZE);
                return EFI_BAD_BUFFER_SIZE;
        }
        st = pages_alloc(size, &buf, &pages);
        if (EFI_ERROR(st)) {
                log_error(L"%a: %a: no memory for %ld bytes: %r", id, url, size, st);
                return st;
        }
        log_info(L"downloading %a: %ld bytes", url, size);
        struct progress p = { .total = size, .t0 = timer_usec() };
        p.last = p.t0;
        EFI_MTFTP4_OPTION blk = { (UINT8 *) "blksize", (UINT8 *) "1468" };
        EFI_MTFTP4_TOKEN token = {
                .Filename = name, .ModeStr = (UINT8 *) "octet", .OptionCount = 1, .OptionList = &blk,
                .BufferSize = size, .Buffer = buf, .Context = &p, .CheckPacket = on_packet,
        };
        st = m->ReadFile(m, &token);
        if (!EFI_ERROR(st) && p.got != size)
                st = EFI_END_OF_FILE;   /* the server's file changed size between the two reads */
        if (EFI_ERROR(st)) {
                if (st == EFI_END_OF_FILE)
                        log_error(L"%a: %a: %ld bytes came, the server had said %ld", id, url, p.got, size);
                else if (st == EFI_BUFFER_TOO_SMALL)
                        log_error(L"%a: %a: the file is longer than the server had said (%ld bytes)", id, url, size);
                else
                        log_error(L"%a: %a: the transfer failed after %ld bytes: %r", id, url, p.got, st);
                pages_free(buf, pages);
                return st;
        }
        net_print_done(size, timer_usec() - p.t0);
        *ret_buf = buf;
        *ret_size = size;
        *ret_pages = pages;
        return EFI_SUCCESS;
}

EFI_STATUS tftp_fetch(const char *id, const char *url, void **ret_buf, uint64_t *ret_size, UINTN *ret_pages) {
        static struct uk_url u;
        EFI_HANDLE *nics = NULL;
        UINTN n_nics = 0;
        EFI_STATUS st;

        uk_err r = uk_url_parse(url, &u);
        if (r) {
                log_error(L"%a: %a: %a", id, url, uk_strerror(r));
                return EFI_INVALID_PARAMETER;
        }
        if (!u.host_is_ipv4) {
                log_error(L"%a: %a: a TFTP server must be named by its IPv4 address", id, url);
                return EFI_UNSUPPORTED;
        }
        UINT8 *name = (UINT8 *) u.path + 1;     /* the name the server is asked for, as libcurl asks it */
        log_info(L"fetching %a", url);
        st = net_find_service(&mtftp4_sb_guid, L"TFTP", &nics, &n_nics);
        if (EFI_ERROR(st) || n_nics == 0) {
                log_error(L"%a: %a: this firmware has no TFTP network stack (no NIC with Mtftp4Dxe): %r", id, url, st);
                return EFI_UNSUPPORTED;
        }
        /* The first NIC that gets an address; the others only if one cannot even start. */
        st = EFI_NOT_FOUND;
        for (UINTN i = 0; i < n_nics; i++) {
                EFI_SERVICE_BINDING *sb = NULL;
                EFI_HANDLE child = NULL;
                EFI_MTFTP4_PROTOCOL *m = NULL;
                st = net_ensure_ipv4(id, nics[i]);
                if (EFI_ERROR(st))
                        continue;
                st = BS->HandleProtocol(nics[i], &mtftp4_sb_guid, (void **) &sb);
                if (!EFI_ERROR(st))
                        st = sb->CreateChild(sb, &child);
                if (!EFI_ERROR(st))
                        st = BS->HandleProtocol(child, &mtftp4_guid, (void **) &m);
                if (EFI_ERROR(st)) {
                        log_error(L"%a: %a: cannot open the firmware's TFTP client: %r", id, url, st);
                } else {
                        EFI_MTFTP4_CONFIG_DATA cfg = {
                                .UseDefaultSetting = TRUE, .InitialServerPort = u.port, .TryCount = TRY_COUNT,
                                .TimeoutValue = TIMEOUT_SEC,
                        };
                        uk_memcpy(&cfg.ServerIp, u.ipv4, 4);
                        st = m->Configure(m, &cfg);
                        if (EFI_ERROR(st))
                                log_error(L"%a: %a: cannot configure the firmware's TFTP client: %r", id, url, st);
                        else
                                st = read_file(id, url, m, name, ret_buf, ret_size, ret_pages);
                        m->Configure(m, NULL);
                }
                if (child)
                        sb->DestroyChild(sb, child);
                break;
        }
        FreePool(nics);
        return st;
}
