/* The per-character tables of the fold: case, accents, fullwidth/mathematical/enclosed letters,
 * invisible characters, and the lookalike and leet maps the word rules in fold.c apply. */
#include "logic/fold.h"

/* Base letters of U+0100..U+017F; '?' marks the digraphs handled in latin_ext_a. */
static const char LATIN_EXT_A[] = "aaaaaaccccccccdd"
                                  "ddeeeeeeeeeegggg"
                                  "gggghhhhiiiiiiii"
                                  "ii??jjkkklllllll"
                                  "lllnnnnnnnnnoooo"
                                  "oo??rrrrrrssssss"
                                  "ssttttttuuuuuuuu"
                                  "uuuuwwyyyzzzzzzs";

/* Base letters of U+00C0..U+00FF; '?' = digraph, '=' = keep (× and ÷). */
static const char LATIN_1[] = "aaaaaa?ceeeeiiii"
                              "dnooooo=ouuuuy??"
                              "aaaaaa?ceeeeiiii"
                              "dnooooo=ouuuuy?y";

static bool is_space(uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

/* Characters that change nothing visible: zero-width, bidi and format controls, combining
 * marks, variation selectors, other C0/C1 controls. Dropping them joins "fr\u200Bee". */
static bool is_ignorable(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD || (cp >= 0x300 && cp <= 0x36F) ||
           (cp >= 0x483 && cp <= 0x489) || cp == 0x180E || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x206F) || (cp >= 0x20D0 && cp <= 0x20FF) ||
           (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF ||
           (cp >= 0xE0000 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

static size_t one(uint32_t out[3], uint32_t cp)
{
    out[0] = cp;
    return 1;
}

static size_t two(uint32_t out[3], uint32_t a, uint32_t b)
{
    out[0] = a;
    out[1] = b;
    return 2;
}

static size_t latin(uint32_t cp, uint32_t out[3])
{
    if (cp >= 0xC0 && cp <= 0xFF) {
        switch (cp) {
        case 0xC6:
        case 0xE6: return two(out, 'a', 'e');
        case 0xDE:
        case 0xFE: return two(out, 't', 'h');
        case 0xDF: return two(out, 's', 's');
        default: break;
        }
        char c = LATIN_1[cp - 0xC0];
        return one(out, c == '=' ? cp : (uint32_t)c);
    }
    switch (cp) {
    case 0x132:
    case 0x133: return two(out, 'i', 'j');
    case 0x152:
    case 0x153: return two(out, 'o', 'e');
    default: break;
    }
    return one(out, (uint32_t)LATIN_EXT_A[cp - 0x100]);
}

static uint32_t greek_lower(uint32_t cp)
{
    static const struct {
        uint16_t from, to;
    } accented[] = {{0x386, 0x3B1}, {0x388, 0x3B5}, {0x389, 0x3B7}, {0x38A, 0x3B9}, {0x38C, 0x3BF},
                    {0x38E, 0x3C5}, {0x38F, 0x3C9}, {0x390, 0x3B9}, {0x3AA, 0x3B9}, {0x3AB, 0x3C5},
                    {0x3AC, 0x3B1}, {0x3AD, 0x3B5}, {0x3AE, 0x3B7}, {0x3AF, 0x3B9}, {0x3B0, 0x3C5},
                    {0x3C2, 0x3C3}, {0x3CA, 0x3B9}, {0x3CB, 0x3C5}, {0x3CC, 0x3BF}, {0x3CD, 0x3C5},
                    {0x3CE, 0x3C9}};
    for (size_t i = 0; i < sizeof accented / sizeof accented[0]; i++)
        if (accented[i].from == cp)
            return accented[i].to;
    if (cp >= 0x391 && cp <= 0x3A9)
        return cp + 0x20;
    return cp;
}

static uint32_t cyrillic_lower(uint32_t cp)
{
    if (cp >= 0x410 && cp <= 0x42F)
        cp += 0x20;
    else if (cp >= 0x400 && cp <= 0x40F)
        cp += 0x50;
    else if (((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) ||
              (cp >= 0x4D0 && cp <= 0x52F)) &&
             cp % 2 == 0)
        cp += 1;
    else if (cp >= 0x4C1 && cp <= 0x4CE && cp % 2 == 1)
        cp += 1;
    else if (cp == 0x4C0)
        cp = 0x4CF;
    if (cp == 0x451) /* ё is often written е */
        return 0x435;
    if (cp == 0x439) /* й: the same letter whether typed precomposed or as и + breve */
        return 0x438;
    return cp;
}

/* Letterlike symbols that fill the holes of the mathematical alphabets (ℎ, ℂ, ℝ...). */
static uint32_t letterlike(uint32_t cp)
{
    if (cp < 0x2102 || cp > 0x2139)
        return 0;
    static const struct {
        uint16_t from;
        char to;
    } map[] = {{0x2102, 'c'}, {0x210A, 'g'}, {0x210B, 'h'}, {0x210C, 'h'}, {0x210D, 'h'},
               {0x210E, 'h'}, {0x2110, 'i'}, {0x2111, 'i'}, {0x2112, 'l'}, {0x2113, 'l'},
               {0x2115, 'n'}, {0x2119, 'p'}, {0x211A, 'q'}, {0x211B, 'r'}, {0x211C, 'r'},
               {0x211D, 'r'}, {0x2124, 'z'}, {0x2128, 'z'}, {0x212A, 'k'}, {0x212B, 'a'},
               {0x212C, 'b'}, {0x212D, 'c'}, {0x212F, 'e'}, {0x2130, 'e'}, {0x2131, 'f'},
               {0x2133, 'm'}, {0x2134, 'o'}, {0x2139, 'i'}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].from == cp)
            return (uint32_t)map[i].to;
    return 0;
}

/* Styled letters and digits that exist to look like plain ones: fullwidth, mathematical,
 * circled, parenthesized, squared. Returns the plain ASCII character or 0. */
static uint32_t styled(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
        uint32_t c = cp - 0xFEE0;
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
    if (cp >= 0x1D400 && cp <= 0x1D6A3)
        return 'a' + (cp - 0x1D400) % 52 % 26;
    if (cp == 0x1D6A4)
        return 'i';
    if (cp == 0x1D6A5)
        return 'j';
    if (cp >= 0x1D7CE && cp <= 0x1D7FF)
        return '0' + (cp - 0x1D7CE) % 10;
    if (cp >= 0x249C && cp <= 0x24B5)
        return 'a' + (cp - 0x249C);
    if (cp >= 0x24B6 && cp <= 0x24E9)
        return 'a' + (cp - 0x24B6) % 26;
    if (cp >= 0x2460 && cp <= 0x2468)
        return '1' + (cp - 0x2460);
    if (cp == 0x24EA)
        return '0';
    if ((cp >= 0x1F130 && cp <= 0x1F149) || (cp >= 0x1F150 && cp <= 0x1F169) ||
        (cp >= 0x1F170 && cp <= 0x1F189))
        return 'a' + (cp - 0x1F130) % 32 % 26;
    return letterlike(cp);
}

size_t spam_fold_codepoint(uint32_t cp, uint32_t out[3])
{
    if (cp >= 0x21 && cp < 0x7F) /* printable ASCII, the common case */
        return one(out, cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    if (is_space(cp))
        return one(out, ' ');
    if (is_ignorable(cp))
        return 0;
    if (cp < 0x80)
        return one(out, cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    if (cp >= 0xC0 && cp <= 0x17F)
        return latin(cp, out);
    switch (cp) {
    case 0x192: return one(out, 'f');
    case 0x218:
    case 0x219: return one(out, 's');
    case 0x21A:
    case 0x21B: return one(out, 't');
    default: break;
    }
    if (cp >= 0x370 && cp <= 0x3FF)
        return one(out, greek_lower(cp));
    if (cp >= 0x400 && cp <= 0x52F)
        return one(out, cyrillic_lower(cp));
    uint32_t plain = styled(cp);
    return one(out, plain ? plain : cp);
}

uint32_t spam_fold_lookalike(uint32_t cp)
{
    if (cp < 0x391 || cp > 0x51D) /* outside Greek and Cyrillic: nothing to look up */
        return 0;
    static const struct {
        uint16_t from;
        char to;
    } map[] = {/* Cyrillic lowercase, then capitals that look like Latin capitals */
               {0x430, 'a'},
               {0x435, 'e'},
               {0x43E, 'o'},
               {0x440, 'p'},
               {0x441, 'c'},
               {0x443, 'y'},
               {0x445, 'x'},
               {0x455, 's'},
               {0x456, 'i'},
               {0x458, 'j'},
               {0x4BB, 'h'},
               {0x501, 'd'},
               {0x51B, 'q'},
               {0x51D, 'w'},
               {0x410, 'a'},
               {0x412, 'b'},
               {0x415, 'e'},
               {0x41A, 'k'},
               {0x41C, 'm'},
               {0x41D, 'h'},
               {0x41E, 'o'},
               {0x420, 'p'},
               {0x421, 'c'},
               {0x422, 't'},
               {0x423, 'y'},
               {0x425, 'x'},
               {0x405, 's'},
               {0x406, 'i'},
               {0x408, 'j'},
               /* Greek */
               {0x3B1, 'a'},
               {0x3B5, 'e'},
               {0x3B9, 'i'},
               {0x3BA, 'k'},
               {0x3BD, 'v'},
               {0x3BF, 'o'},
               {0x3C1, 'p'},
               {0x3C5, 'u'},
               {0x3C7, 'x'},
               {0x391, 'a'},
               {0x392, 'b'},
               {0x395, 'e'},
               {0x396, 'z'},
               {0x397, 'h'},
               {0x399, 'i'},
               {0x39A, 'k'},
               {0x39C, 'm'},
               {0x39D, 'n'},
               {0x39F, 'o'},
               {0x3A1, 'p'},
               {0x3A4, 't'},
               {0x3A5, 'y'},
               {0x3A7, 'x'}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].from == cp)
            return (uint32_t)map[i].to;
    return 0;
}

uint32_t spam_fold_to_cyrillic(uint32_t cp)
{
    switch (cp) {
    case 'a':
    case 'A': return 0x430;
    case 'e':
    case 'E': return 0x435;
    case 'o':
    case 'O': return 0x43E;
    case 'p':
    case 'P': return 0x440;
    case 'c':
    case 'C': return 0x441;
    case 'y':
    case 'Y': return 0x443;
    case 'x':
    case 'X': return 0x445;
    case 'B': return 0x432;
    case 'H': return 0x43D;
    case 'K':
    case 'k': return 0x43A;
    case 'M': return 0x43C;
    case 'T': return 0x442;
    default: return 0;
    }
}

uint32_t spam_fold_leet(uint32_t cp)
{
    switch (cp) {
    case '0': return 'o';
    case '1': return 'i'; /* n1tro, b1tcoin: spam writes i far more often than l */
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '@': return 'a';
    case '$': return 's';
    default: return 0;
    }
}

uint32_t spam_fold_leet_cyrillic(uint32_t cp)
{
    switch (cp) {
    case '0': return 0x43E; /* о */
    case '3': return 0x437; /* з */
    case '4': return 0x447; /* ч */
    case '6': return 0x431; /* б */
    case '@': return 0x430; /* а */
    default: return 0;
    }
}

/* Symbols, punctuation and emoji blocks: everything else above ASCII counts as a letter, which
 * is right for every alphabet and harmless for the rest. */
static bool is_symbol_block(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x2E00 && cp <= 0x2E7F) ||
           (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE10 && cp <= 0xFE6F) ||
           (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFFF0 && cp <= 0xFFFF) ||
           (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0x37E || cp == 0x387;
}

bool spam_is_word_char(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '_';
    return !is_symbol_block(cp);
}
