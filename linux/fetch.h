/* ukiboot — http(s) and tftp downloads into memory files (libcurl). */
#pragma once

/* Download url (http, https or tftp) into a fresh memfd; progress on stderr. ca_file: the CA certificates
 * an https server must chain to instead of the system's (NULL: the system's). The reason is printed on one
 * line, "<who>: <url>: <reason>" (who: the entry's id, NULL for a URL given directly); exit code. */
int fetch_url(const char *who, const char *url, const char *ca_file, int *ret_fd);

/* The URL schemes fetch_url downloads (UK_FETCH_*; none in the static build, which has no libcurl). */
unsigned fetch_schemes(void);
