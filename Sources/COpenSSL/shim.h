#ifndef CELLTRACE_COPENSSL_SHIM_H
#define CELLTRACE_COPENSSL_SHIM_H

/// SHA256Hasher calls the low-level SHA256_Init/Update/Final, which OpenSSL 3 marks deprecated in
/// favour of EVP; hashing one short message at a time they save the EVP dispatch (Docs/PERFORMANCE.md).
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bio.h>
#include <openssl/sha.h>

/// `OPENSSL_free` is a function-like macro, which Swift cannot import.
static inline void celltrace_openssl_free(void *pointer) {
    OPENSSL_free(pointer);
}

/// `BIO_get_mem_data` is a function-like macro over `BIO_ctrl`, which Swift cannot import.
static inline long celltrace_bio_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

#endif
