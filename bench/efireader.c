/* make bench's limit for the EFI paths: the least a loader can do with a UKI is read its bytes from the ESP
 * into memory. This program does only that, in the same firmware, as \EFI\BOOT\BOOTX64.EFI: it opens the
 * first file in \EFI\Linux on its own partition, reads it whole with one EFI_FILE_PROTOCOL.Read (the FAT
 * driver splits it as it must), prints
 *
 *     efireader: read N bytes of \EFI\Linux\NAME in M ms (K KiB/s)
 *
 * and powers the machine off. Never installed: bench/efi-phases builds and uses it. */
#include <efi.h>
#include <efilib.h>
#include "efi-util.h"

static EFI_FILE_HANDLE open_dir(EFI_FILE_HANDLE root, CHAR16 *path) {
        EFI_FILE_HANDLE h = NULL;
        if (EFI_ERROR(root->Open(root, &h, path, EFI_FILE_MODE_READ, 0)))
                return NULL;
        return h;
}

/* The first regular file in DIR, as an EFI_FILE_INFO the caller frees; NULL when there is none. */
static EFI_FILE_INFO *first_file(EFI_FILE_HANDLE dir) {
        UINTN cap = SIZE_OF_EFI_FILE_INFO + 512 * sizeof(CHAR16);
        EFI_FILE_INFO *info = AllocatePool(cap);
        while (info) {
                UINTN n = cap;
                if (EFI_ERROR(dir->Read(dir, &n, info)) || n == 0)
                        break;
                if (!(info->Attribute & EFI_FILE_DIRECTORY))
                        return info;
        }
        FreePool(info);
        return NULL;
}

static void power_off(void) {
        RT->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab) {
        InitializeLib(image, systab);
        timer_calibrate();
        EFI_LOADED_IMAGE *li = NULL;
        EFI_FILE_IO_INTERFACE *sfs = NULL;
        EFI_FILE_HANDLE root = NULL, dir = NULL, f = NULL;
        if (EFI_ERROR(BS->HandleProtocol(image, &LoadedImageProtocol, (void **) &li)) ||
            EFI_ERROR(BS->HandleProtocol(li->DeviceHandle, &FileSystemProtocol, (void **) &sfs)) ||
            EFI_ERROR(sfs->OpenVolume(sfs, &root)) || !(dir = open_dir(root, L"\\EFI\\Linux"))) {
                Print(L"efireader: error: no \\EFI\\Linux on this program's partition\n");
                power_off();
                return EFI_NOT_FOUND;
        }
        EFI_FILE_INFO *info = first_file(dir);
        if (!info || EFI_ERROR(dir->Open(dir, &f, info->FileName, EFI_FILE_MODE_READ, 0))) {
                Print(L"efireader: error: no file in \\EFI\\Linux\n");
                power_off();
                return EFI_NOT_FOUND;
        }
        void *buf = NULL;
        UINTN pages = 0;
        if (EFI_ERROR(pages_alloc(info->FileSize, &buf, &pages))) {
                Print(L"efireader: error: %ld bytes: out of memory\n", info->FileSize);
                power_off();
                return EFI_OUT_OF_RESOURCES;
        }
        /* The stamp the host takes of this line starts the read on the serial clock too. */
        Print(L"efireader: reading \\EFI\\Linux\\%s\n", info->FileName);
        uint64_t t0 = timer_usec(), done = 0;
        EFI_STATUS st = EFI_SUCCESS;
        while (done < info->FileSize) {
                UINTN n = info->FileSize - done;
                st = f->Read(f, &n, (uint8_t *) buf + done);
                if (EFI_ERROR(st) || n == 0)
                        break;
                done += n;
        }
        uint64_t usec = timer_usec() - t0;
        if (done != info->FileSize)
                Print(L"efireader: error: read %ld of %ld bytes: %r\n", done, info->FileSize, st);
        else
                Print(L"efireader: read %ld bytes of \\EFI\\Linux\\%s in %ld ms (%ld KiB/s)\n", done, info->FileName,
                      usec / 1000, usec ? done * 1000000 / 1024 / usec : 0);
        pages_free(buf, pages);
        power_off();
        return EFI_SUCCESS;
}
