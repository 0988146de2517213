#ifndef SERVESTACK_CCURL_SHIM_H
#define SERVESTACK_CCURL_SHIM_H

#include <curl/curl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot call.
// These typed wrappers are the only way the HTTP module touches them.

typedef size_t (*ss_curl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*ss_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                         curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode ss_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ss_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ss_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ss_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ss_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ss_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, ss_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ss_curl_easy_setopt_xferinfo_callback(CURL *handle, ss_curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}
/// Copies `length` bytes (PEM data from a kubeconfig `*-data` field); curl keeps its own copy.
static inline CURLcode ss_curl_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(handle, option, &blob);
}
static inline CURLcode ss_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode ss_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode ss_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode ss_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLMcode ss_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

// Symbols that are macros or enums Swift imports awkwardly.
static const CURLversion ss_CURLVERSION_NOW = CURLVERSION_NOW;
static const long ss_CURL_HTTP_VERSION_1_1 = CURL_HTTP_VERSION_1_1;
static const long ss_CURL_HTTP_VERSION_2TLS = CURL_HTTP_VERSION_2TLS;
static const long ss_CURL_HTTP_VERSION_2_0 = CURL_HTTP_VERSION_2_0;
static const long ss_CURLPIPE_MULTIPLEX = CURLPIPE_MULTIPLEX;
static const long ss_CURL_GLOBAL_DEFAULT = CURL_GLOBAL_DEFAULT;
static const long ss_CURLAUTH_BASIC = (long)CURLAUTH_BASIC;
static const long ss_CURLAUTH_BEARER = (long)CURLAUTH_BEARER;
static const size_t ss_CURL_READFUNC_ABORT = CURL_READFUNC_ABORT;
static const size_t ss_CURL_WRITEFUNC_PAUSE = CURL_WRITEFUNC_PAUSE;
static const int ss_CURLPAUSE_CONT = CURLPAUSE_CONT;

// Added for the HTTP module's multi-interface driver.
typedef int (*ss_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);
static inline CURLcode ss_curl_easy_setopt_seek_callback(CURL *handle, ss_curl_seek_callback value) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, value);
}
static const int ss_CURL_SEEKFUNC_OK = CURL_SEEKFUNC_OK;
static const int ss_CURL_SEEKFUNC_FAIL = CURL_SEEKFUNC_FAIL;
static const size_t ss_CURL_ERROR_SIZE = CURL_ERROR_SIZE;
static const long ss_CURL_HTTP_VERSION_1_0 = CURL_HTTP_VERSION_1_0;
static const long ss_CURL_HTTP_VERSION_3 = CURL_HTTP_VERSION_3;
static const long ss_CURL_SSLVERSION_TLSv1_2 = CURL_SSLVERSION_TLSv1_2;

// The HTTP module's loopback fence: the socket callback refuses any address outside 127.0.0.0/8 and ::1
// (the transfer then fails to connect) and writes the refused address into `clientp` (SS_ADDRESS_TEXT bytes).
#define SS_ADDRESS_TEXT 64
static inline curl_socket_t ss_loopback_only_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)purpose;
    int loopback = 0;
    const void *raw = NULL;
    if (address->family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&address->addr;
        loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
        raw = &in->sin_addr;
    } else if (address->family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&address->addr;
        loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
        raw = &in6->sin6_addr;
    } else if (address->family == AF_UNIX) {
        loopback = 1;
    }
    if (!loopback) {
        char *out = (char *)clientp;
        if (out && !(raw && inet_ntop(address->family, raw, out, SS_ADDRESS_TEXT))) {
            strncpy(out, "an address of another family", SS_ADDRESS_TEXT - 1);
        }
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}
static inline CURLcode ss_curl_easy_setopt_loopback_only(CURL *handle, char *refused) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, ss_loopback_only_opensocket);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, (void *)refused);
}
static const int ss_SS_ADDRESS_TEXT = SS_ADDRESS_TEXT;

#endif
