/* Platform-prefixed ids: "discord:123", "telegram:-1001234567890", "matrix:!room:example.org".
 * Matrix's own ids carry a colon too, and must not be mistaken for a prefix. */
#include "check.h"
#include "core/platform.h"

TEST(test_prefix_and_local_part_of_each_platforms_ids)
{
    char platform[32];
    CHECK(kith_id_platform("discord:81384788765712384", platform, sizeof platform));
    CHECK_STR(platform, "discord");
    CHECK_STR(kith_id_local("discord:81384788765712384"), "81384788765712384");
    CHECK(kith_id_platform("telegram:-1001234567890", platform, sizeof platform));
    CHECK_STR(platform, "telegram");
    CHECK_STR(kith_id_local("telegram:-1001234567890"), "-1001234567890");
    CHECK(kith_id_platform("matrix:!abc:example.org", platform, sizeof platform));
    CHECK_STR(platform, "matrix");
    CHECK_STR(kith_id_local("matrix:!abc:example.org"), "!abc:example.org");
    CHECK_STR(kith_id_local("matrix:@bob:example.org"), "@bob:example.org");
}

TEST(test_unprefixed_matrix_ids_stay_whole)
{
    char platform[32] = "unchanged";
    CHECK(!kith_id_platform("!abc:example.org", platform, sizeof platform));
    CHECK(!kith_id_platform("@bob:example.org", platform, sizeof platform));
    CHECK(!kith_id_platform("#lobby:example.org", platform, sizeof platform));
    CHECK_STR(platform, "unchanged");
    CHECK_STR(kith_id_local("!abc:example.org"), "!abc:example.org");
    CHECK_STR(kith_id_local("@bob:example.org"), "@bob:example.org");
    CHECK_STR(kith_id_local("81384788765712384"), "81384788765712384");
}

TEST(test_odd_ids_are_handled_without_surprises)
{
    char platform[8];
    CHECK(!kith_id_platform(NULL, platform, sizeof platform));
    CHECK(kith_id_local(NULL) == NULL);
    CHECK(!kith_id_platform(":123", platform, sizeof platform));
    CHECK_STR(kith_id_local(":123"), ":123");
    CHECK(!kith_id_platform("", platform, sizeof platform));
    CHECK_STR(kith_id_local(""), "");
    /* A prefix that does not fit the buffer is no prefix. */
    CHECK(!kith_id_platform("telegram:1", platform, sizeof platform));
    CHECK(!kith_id_platform("discord:1", platform, 0));
    CHECK(kith_id_platform("discord:", platform, sizeof platform));
    CHECK_STR(kith_id_local("discord:"), "");
}
