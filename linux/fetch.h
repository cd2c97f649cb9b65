/* ukiboot — http(s) downloads into memory files (libcurl). */
#pragma once

/* Download url (http/https) into a fresh memfd; progress on stderr. Reason printed; exit code. */
int fetch_url(const char *url, int *ret_fd);
