#include "JsonSpanEncoder.h"
#include "portico/Json.h"
#include <charconv>
#include <cmath>
#include <cstdio>

namespace portico::otel {

namespace {

void appendQuoted(std::string& out, std::string_view plain)
{
    out += '"';
    out.append(plain.data(), plain.size());
    out += '"';
}

/// `value` in decimal, appended without a temporary string.
template <typename Integer>
void appendDecimal(std::string& out, Integer value)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
}

/// Plain printable ASCII with nothing to escape: the common case, copied as is.
bool plainAscii(std::string_view text)
{
    for (unsigned char c : text)
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return false;
    return true;
}

} // namespace

void appendJsonString(std::string& out, std::string_view text)
{
    if (plainAscii(text))
        appendQuoted(out, text);
    else
        out += jsonString(text); // the core's: escapes, and replaces invalid UTF-8
}

void JsonSpanEncoder::begin(const SpanHead& head)
{
    out_.assign(1, ','); // the framing, left out by finish()
    out_ += "{\"traceId\":";
    appendQuoted(out_, head.traceId);
    out_ += ",\"spanId\":";
    appendQuoted(out_, head.spanId);
    if (!head.parentSpanId.empty())
    {
        out_ += ",\"parentSpanId\":";
        appendQuoted(out_, head.parentSpanId);
    }
    out_ += ",\"flags\":";
    appendDecimal(out_, head.flags());
    out_ += ",\"name\":";
    appendJsonString(out_, head.name);
    out_ += ",\"kind\":";
    appendDecimal(out_, static_cast<int>(head.kind));
    out_ += ",\"startTimeUnixNano\":\"";
    appendDecimal(out_, head.startNs);
    out_ += "\",\"endTimeUnixNano\":\"";
    appendDecimal(out_, head.endNs);
    out_ += '"';
    out_ += ",\"attributes\":[";
    part_ = Part::Attributes;
    firstItem_ = true;
}

void JsonSpanEncoder::moveTo(Part next)
{
    if (part_ == next)
        return;
    if (part_ != Part::Rest)
        out_ += ']';
    if (next == Part::Events)
        out_ += ",\"events\":[";
    part_ = next;
    firstItem_ = true;
}

void JsonSpanEncoder::attributeHead(std::string_view key)
{
    if (!firstItem_)
        out_ += ',';
    firstItem_ = false;
    out_ += "{\"key\":";
    appendJsonString(out_, key);
    out_ += ",\"value\":";
}

void JsonSpanEncoder::text(std::string_view key, std::string_view value)
{
    attributeHead(key);
    out_ += "{\"stringValue\":";
    appendJsonString(out_, value);
    out_ += "}}";
}

void JsonSpanEncoder::number(std::string_view key, std::int64_t value)
{
    attributeHead(key);
    // int64 is a string in the protobuf JSON mapping.
    out_ += "{\"intValue\":\"";
    appendDecimal(out_, value);
    out_ += "\"}}";
}

void JsonSpanEncoder::decimal(std::string_view key, double value)
{
    attributeHead(key);
    if (!std::isfinite(value))
    {
        out_ += std::isnan(value) ? "{\"doubleValue\":\"NaN\"}}"
                                  : (value > 0 ? "{\"doubleValue\":\"Infinity\"}}" : "{\"doubleValue\":\"-Infinity\"}}");
        return;
    }
    char number[32];
    std::snprintf(number, sizeof number, "%.17g", value);
    out_ += "{\"doubleValue\":";
    out_ += number;
    out_ += "}}";
}

void JsonSpanEncoder::flag(std::string_view key, bool value)
{
    attributeHead(key);
    out_ += value ? "{\"boolValue\":true}}" : "{\"boolValue\":false}}";
}

std::size_t JsonSpanEncoder::attributeMark() const
{
    return out_.size();
}

std::string_view JsonSpanEncoder::attributesSince(std::size_t mark) const
{
    return std::string_view(out_).substr(mark);
}

void JsonSpanEncoder::replay(std::string_view attributes)
{
    // Attribute objects separated by commas, with one before the first when they were not the
    // span's first attributes: the separator is this span's to decide.
    if (!attributes.empty() && attributes.front() == ',')
        attributes.remove_prefix(1);
    if (attributes.empty())
        return;
    if (!firstItem_)
        out_ += ',';
    firstItem_ = false;
    out_.append(attributes.data(), attributes.size());
}

void JsonSpanEncoder::texts(std::string_view key, std::string_view lines)
{
    attributeHead(key);
    out_ += "{\"arrayValue\":{\"values\":[";
    bool first = true;
    forEachLine(lines, [&](std::string_view value) {
        if (!first)
            out_ += ',';
        first = false;
        out_ += "{\"stringValue\":";
        appendJsonString(out_, value);
        out_ += '}';
    });
    out_ += "]}}}";
}

void JsonSpanEncoder::event(std::string_view name, std::uint64_t timeNs)
{
    moveTo(Part::Events);
    if (!firstItem_)
        out_ += ',';
    firstItem_ = false;
    out_ += "{\"timeUnixNano\":\"";
    appendDecimal(out_, timeNs);
    out_ += "\",\"name\":";
    appendJsonString(out_, name);
    out_ += '}';
}

void JsonSpanEncoder::status(StatusCode code, std::string_view message)
{
    moveTo(Part::Rest);
    out_ += ",\"status\":{";
    if (!message.empty())
    {
        out_ += "\"message\":";
        appendJsonString(out_, message);
        out_ += ',';
    }
    out_ += "\"code\":";
    appendDecimal(out_, static_cast<int>(code));
    out_ += '}';
}

std::string JsonSpanEncoder::finish()
{
    moveTo(Part::Rest);
    out_ += '}';
    std::string result = out_.substr(1);
    out_.clear();
    return result;
}

std::string_view JsonSpanEncoder::finishFramed()
{
    moveTo(Part::Rest);
    out_ += '}';
    return out_; // the leading comma and the span; capacity kept for the next span
}

void JsonSpanEncoder::frame(std::string& framed, std::string_view span)
{
    framed.append(1, ',').append(span);
}

} // namespace portico::otel
