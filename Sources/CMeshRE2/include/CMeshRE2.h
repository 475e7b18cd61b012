#ifndef CMESHRE2_H
#define CMESHRE2_H

// A C interface over RE2 (re2::RE2), for Swift: compile with a memory cap, the error text of a
// pattern RE2 refuses, whole-string and searching matches with capture groups, free.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A compiled RE2 program. Immutable once made: matching from several threads at once is safe.
typedef struct meshre2_regex meshre2_regex;

/// Compiles the UTF-8 `pattern` (`length` bytes, NULs allowed) with RE2's default syntax,
/// case-sensitive, `.` not matching `\n`, and programs (plus their DFA caches) capped at `max_mem`
/// bytes. Returns NULL when RE2 refuses the pattern; then `*error` (when `error` is not NULL) is
/// RE2's message, NUL-terminated, to release with `meshre2_free_error`.
meshre2_regex *meshre2_compile(const char *pattern, size_t length, int64_t max_mem, char **error);

void meshre2_free(meshre2_regex *regex);
void meshre2_free_error(char *error);

/// The number of capturing groups (group 0, the whole match, not counted).
int meshre2_capture_count(const meshre2_regex *regex);

/// The size of the compiled program, in RE2 instructions.
int meshre2_program_size(const meshre2_regex *regex);

/// Whether the pattern matches all of `text` (RE2::FullMatch).
bool meshre2_full_match(const meshre2_regex *regex, const char *text, size_t length);

/// The leftmost match in `text` that starts at or after byte `start` (`^` and `\b` still see the
/// bytes before `start`). On a match, `spans` (room for `2 * span_count` values) receives the
/// start and end byte offsets of group 0, 1, …, `span_count - 1`; -1, -1 for a group that did not
/// take part. `span_count` is at most 1 + `meshre2_capture_count`.
bool meshre2_search(
    const meshre2_regex *regex, const char *text, size_t length, size_t start, int64_t *spans, int span_count);

#ifdef __cplusplus
}
#endif

#endif
