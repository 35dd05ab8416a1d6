#include "EmbeddingEncoding.h"
#include "Poco/Base64Decoder.h"
#include "Poco/Base64Encoder.h"
#include <charconv>
#include <cstdint>
#include <cstring>
#include <sstream>

namespace portico::openai {

namespace {

std::uint32_t bitsOf(float value)
{
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

float floatOf(std::uint32_t bits)
{
    float value = 0;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

} // namespace

std::string embeddingAsJsonArray(const std::vector<float>& vector)
{
    std::string out;
    out.reserve(vector.size() * 12 + 2);
    out += '[';
    char buffer[32];
    for (std::size_t i = 0; i < vector.size(); ++i)
    {
        if (i)
            out += ',';
        // std::to_chars(float) writes the shortest text that round-trips as float32.
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, vector[i]);
        out.append(buffer, result.ptr);
    }
    out += ']';
    return out;
}

std::string embeddingAsBase64(const std::vector<float>& vector)
{
    // Byte order is fixed (little-endian) whatever the host's.
    std::string bytes(vector.size() * 4, '\0');
    for (std::size_t i = 0; i < vector.size(); ++i)
    {
        const std::uint32_t bits = bitsOf(vector[i]);
        for (int k = 0; k < 4; ++k)
            bytes[i * 4 + k] = static_cast<char>((bits >> (8 * k)) & 0xFF);
    }
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0); // Poco breaks lines at 72 characters by default
    encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return out.str();
}

std::vector<float> embeddingFromBase64(const std::string& text)
{
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::string bytes((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
    std::vector<float> out(bytes.size() / 4);
    for (std::size_t i = 0; i < out.size(); ++i)
    {
        std::uint32_t bits = 0;
        for (int k = 0; k < 4; ++k)
            bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i * 4 + k])) << (8 * k);
        out[i] = floatOf(bits);
    }
    return out;
}

} // namespace portico::openai
