/* kithd's entry point. */
#include <stdio.h>

int main(void)
{
    puts("kithd " KITH_VERSION);
    return 0;
}
