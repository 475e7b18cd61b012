#include "CMeshRE2.h"

#include <re2/re2.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

struct meshre2_regex {
    re2::RE2 re;
    meshre2_regex(re2::StringPiece pattern, const re2::RE2::Options &options) : re(pattern, options) {}
};

static char *copy_error(const std::string &message) {
    char *copy = static_cast<char *>(std::malloc(message.size() + 1));
    if (copy != nullptr) {
        std::memcpy(copy, message.data(), message.size());
        copy[message.size()] = '\0';
    }
    return copy;
}

extern "C" meshre2_regex *meshre2_compile(const char *pattern, size_t length, int64_t max_mem, char **error) {
    if (error != nullptr) *error = nullptr;
    re2::RE2::Options options;
    options.set_log_errors(false);  // the caller reports the error with its field path
    options.set_max_mem(max_mem);
    meshre2_regex *regex = new (std::nothrow) meshre2_regex(re2::StringPiece(pattern, length), options);
    if (regex == nullptr) {
        if (error != nullptr) *error = copy_error("out of memory");
        return nullptr;
    }
    if (!regex->re.ok()) {
        if (error != nullptr) *error = copy_error(regex->re.error());
        delete regex;
        return nullptr;
    }
    return regex;
}

extern "C" void meshre2_free(meshre2_regex *regex) { delete regex; }

extern "C" void meshre2_free_error(char *error) { std::free(error); }

extern "C" int meshre2_capture_count(const meshre2_regex *regex) { return regex->re.NumberOfCapturingGroups(); }

extern "C" int meshre2_program_size(const meshre2_regex *regex) { return regex->re.ProgramSize(); }

extern "C" bool meshre2_full_match(const meshre2_regex *regex, const char *text, size_t length) {
    return regex->re.Match(re2::StringPiece(text, length), 0, length, re2::RE2::ANCHOR_BOTH, nullptr, 0);
}

extern "C" bool meshre2_search(
    const meshre2_regex *regex, const char *text, size_t length, size_t start, int64_t *spans, int span_count) {
    if (start > length || span_count < 0 || span_count > 1 + regex->re.NumberOfCapturingGroups()) return false;
    re2::StringPiece groups[16];
    std::vector<re2::StringPiece> many;
    re2::StringPiece *submatch = groups;
    if (span_count > 16) {
        many.resize(span_count);
        submatch = many.data();
    }
    if (!regex->re.Match(re2::StringPiece(text, length), start, length, re2::RE2::UNANCHORED, submatch, span_count)) {
        return false;
    }
    for (int index = 0; index < span_count; index++) {
        if (submatch[index].data() == nullptr) {
            spans[2 * index] = -1;
            spans[2 * index + 1] = -1;
        } else {
            int64_t begin = submatch[index].data() - text;
            spans[2 * index] = begin;
            spans[2 * index + 1] = begin + static_cast<int64_t>(submatch[index].size());
        }
    }
    return true;
}
