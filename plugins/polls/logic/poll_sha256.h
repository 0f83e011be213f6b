/* SHA-256 (FIPS 180-4), so anonymous polls can store a salted hash of each voter instead of
 * the voter's id. Pure code: no host calls. */
#ifndef KITH_POLLS_SHA256_H
#define KITH_POLLS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define POLL_SHA256_SIZE 32
#define POLL_SHA256_HEX_SIZE 65 /* 64 hex digits and the NUL */

struct poll_sha256 {
    uint32_t state[8];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    size_t used; /* bytes waiting in block */
};

void poll_sha256_init(struct poll_sha256 *h);
void poll_sha256_update(struct poll_sha256 *h, const void *data, size_t len);
void poll_sha256_final(struct poll_sha256 *h, uint8_t digest[POLL_SHA256_SIZE]);

/* The digest of data as 64 lowercase hex digits. */
void poll_sha256_hex(const void *data, size_t len, char hex[POLL_SHA256_HEX_SIZE]);

#endif
