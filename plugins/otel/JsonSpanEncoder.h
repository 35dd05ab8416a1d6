#pragma once
/// SpanEncoder for OTLP/JSON: one span object, by the OTLP/JSON rules (the protobuf JSON
/// mapping with lowerCamelCase names, trace and span ids as lowercase hex rather than base64,
/// enums as their numbers, 64-bit integers as decimal strings).

#include "SpanEncoder.h"

namespace portico::otel {

class JsonSpanEncoder final : public SpanEncoder
{
public:
    void begin(const SpanHead& head) override;
    void text(const char* key, std::string_view value) override;
    void number(const char* key, std::int64_t value) override;
    void decimal(const char* key, double value) override;
    void flag(const char* key, bool value) override;
    void texts(const char* key, const std::vector<std::string>& values) override;
    void event(std::string_view name, std::uint64_t timeNs) override;
    void status(StatusCode code, std::string_view message) override;
    std::string finish() override;

private:
    enum class Part
    {
        Attributes,
        Events,
        Rest
    };
    /// `{"key":"<key>","value":` after the separator.
    void attributeHead(const char* key);
    /// Closes the list being written when moving on to `next`.
    void moveTo(Part next);

    std::string out_;
    Part part_ = Part::Attributes;
    bool firstItem_ = true;
};

/// `text` as a JSON string literal appended to `out` (quotes, backslashes and control
/// characters escaped; invalid UTF-8 replaced, so that the output is always JSON).
void appendJsonString(std::string& out, std::string_view text);

} // namespace portico::otel
