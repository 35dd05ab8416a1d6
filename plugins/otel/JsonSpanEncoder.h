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
    void text(std::string_view key, std::string_view value) override;
    void number(std::string_view key, std::int64_t value) override;
    void decimal(std::string_view key, double value) override;
    void flag(std::string_view key, bool value) override;
    void texts(std::string_view key, std::string_view lines) override;
    void event(std::string_view name, std::uint64_t timeNs) override;
    void status(StatusCode code, std::string_view message) override;
    std::size_t attributeMark() const override;
    std::string_view attributesSince(std::size_t mark) const override;
    void replay(std::string_view attributes) override;
    std::string finish() override;
    std::string_view finishFramed() override;
    /// Appends `span` (one span object) to `framed` after a comma.
    static void frame(std::string& framed, std::string_view span);

private:
    enum class Part
    {
        Attributes,
        Events,
        Rest
    };
    /// `{"key":"<key>","value":` after the separator.
    void attributeHead(std::string_view key);
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
