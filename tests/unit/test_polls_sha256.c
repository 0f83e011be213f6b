/* SHA-256 of the anonymous polls' voter hashes, against the FIPS 180-4 / NIST test vectors. */
#include <string.h>

#include "check.h"
#include "logic/poll_sha256.h"

static const char *hex_of(const char *text)
{
    static char hex[POLL_SHA256_HEX_SIZE];
    poll_sha256_hex(text, strlen(text), hex);
    return hex;
}

TEST(test_empty_input_has_the_known_digest)
{
    CHECK_STR(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(test_abc_has_the_known_digest)
{
    CHECK_STR(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(test_two_block_message_has_the_known_digest)
{
    CHECK_STR(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(test_four_block_message_has_the_known_digest)
{
    CHECK_STR(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
                     "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(test_a_million_a_fed_in_pieces_has_the_known_digest)
{
    struct poll_sha256 h;
    uint8_t digest[POLL_SHA256_SIZE];
    char chunk[1001];
    memset(chunk, 'a', sizeof chunk);
    poll_sha256_init(&h);
    for (int i = 0; i < 1000; i++)
        poll_sha256_update(&h, chunk, i % 2 ? 999 : 1001); /* pieces across block edges */
    poll_sha256_final(&h, digest);
    static const uint8_t expected[POLL_SHA256_SIZE] = {
        0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7,
        0xe2, 0x84, 0xd7, 0x3e, 0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97,
        0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0};
    CHECK(memcmp(digest, expected, sizeof expected) == 0);
}

TEST(test_55_and_56_byte_messages_pad_correctly)
{
    /* 55 bytes fit the length in the same block; 56 need a second one. */
    CHECK_STR(hex_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
              "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK_STR(hex_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
              "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}
