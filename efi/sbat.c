/* ukiboot — SBAT metadata (.sbat section): lets shim and the firmware revoke vulnerable ukiboot builds
 * by generation number instead of by hash. Bump the ukiboot generation when a security fix lands. */
static const char sbat[] __attribute__((used, section(".sbat"), aligned(16))) =
        "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
        "ukiboot,1,ukiboot,ukiboot," UKIBOOT_VERSION ",-\n";   /* no public URL yet */
