#ifndef CELLTRACE_COPENSSL_SHIM_H
#define CELLTRACE_COPENSSL_SHIM_H

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bio.h>

/// `OPENSSL_free` is a function-like macro, which Swift cannot import.
static inline void celltrace_openssl_free(void *pointer) {
    OPENSSL_free(pointer);
}

/// `BIO_get_mem_data` is a function-like macro over `BIO_ctrl`, which Swift cannot import.
static inline long celltrace_bio_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

#endif
