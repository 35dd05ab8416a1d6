#include "EmbeddingsRequest.h"
#include "JsonBody.h"
#include "Tokenizer.h"

namespace portico::openai {

namespace {

/// The largest token id accepted: OpenAI's vocabularies are far below 2^31.
constexpr std::int64_t maxTokenId = 2147483647;

const char* inputTypes = "a string, an array of strings, an array of integers, or an array of arrays of integers";

EmbeddingInput textInput(const std::string& text, const std::string& param, const LocalBackendConfig& limits)
{
    if (text.empty())
        throw RequestError::invalid(param,
                                    "Invalid '" + param + "': empty string. Expected a string with at least one "
                                    "character.",
                                    "empty_string");
    EmbeddingInput input;
    input.text = text;
    input.tokenCount = Tokenizer::count(text);
    if (input.tokenCount > static_cast<std::size_t>(limits.embedMaxInputTokens))
        throw RequestError::invalid(param,
                                    "Invalid '" + param + "': this input has " + std::to_string(input.tokenCount) +
                                        " tokens; the maximum is " + std::to_string(limits.embedMaxInputTokens) +
                                        ".",
                                    "context_length_exceeded");
    return input;
}

EmbeddingInput tokenInput(const Poco::JSON::Array& array, const std::string& param, const LocalBackendConfig& limits)
{
    if (array.size() == 0)
        throw RequestError::invalid(param, "Invalid '" + param + "': empty array. Expected at least one token.",
                                    "empty_array");
    if (array.size() > static_cast<std::size_t>(limits.embedMaxInputTokens))
        throw RequestError::invalid(param,
                                    "Invalid '" + param + "': this input has " + std::to_string(array.size()) +
                                        " tokens; the maximum is " + std::to_string(limits.embedMaxInputTokens) +
                                        ".",
                                    "context_length_exceeded");
    EmbeddingInput input;
    input.isTokens = true;
    input.tokens.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i)
        input.tokens.push_back(integerValue(array.get(static_cast<unsigned>(i)),
                                            param + "[" + std::to_string(i) + "]", 0, maxTokenId));
    input.tokenCount = input.tokens.size();
    return input;
}

std::vector<EmbeddingInput> parseInputs(const FieldReader& fields, const LocalBackendConfig& limits)
{
    if (!fields.present("input"))
        throw RequestError::invalid("input", "Missing required parameter: 'input'.", "missing_required_parameter");
    const Poco::Dynamic::Var input = fields.raw("input");
    if (input.isString())
        return {textInput(input.extract<std::string>(), "input", limits)};
    if (!isJsonArray(input))
        throw wrongType("input", inputTypes, input);

    const auto& array = *input.extract<Poco::JSON::Array::Ptr>();
    if (array.size() == 0)
        throw RequestError::invalid("input",
                                    "Invalid 'input': empty array. Expected an array with minimum length 1, but got "
                                    "an empty array instead.",
                                    "empty_array");
    // An array of integers is one input given as token ids.
    const Poco::Dynamic::Var first = array.get(0);
    if (first.isInteger() && !first.isBoolean())
        return {tokenInput(array, "input", limits)};

    if (array.size() > static_cast<std::size_t>(limits.embedMaxInputs))
        throw RequestError::invalid("input",
                                    "Invalid 'input': array too long. Expected an array with maximum length " +
                                        std::to_string(limits.embedMaxInputs) + ", but got an array with length " +
                                        std::to_string(array.size()) + " instead.",
                                    "array_above_max_length");
    std::vector<EmbeddingInput> inputs;
    inputs.reserve(array.size());
    const bool strings = first.isString();
    for (std::size_t i = 0; i < array.size(); ++i)
    {
        const std::string param = "input[" + std::to_string(i) + "]";
        const Poco::Dynamic::Var item = array.get(static_cast<unsigned>(i));
        if (strings)
            inputs.push_back(textInput(stringValue(item, param), param, limits));
        else if (isJsonArray(item))
            inputs.push_back(tokenInput(*item.extract<Poco::JSON::Array::Ptr>(), param, limits));
        else
            throw wrongType(param, "a string or an array of integers", item);
    }
    return inputs;
}

} // namespace

EmbeddingsRequest EmbeddingsRequest::parse(const Poco::JSON::Object& body, const LocalBackendConfig& limits)
{
    FieldReader fields(body);
    fields.rejectUnknown({"model", "input", "encoding_format", "dimensions", "user"});
    EmbeddingsRequest request;
    request.model = fields.requiredString("model");
    request.inputs = parseInputs(fields, limits);

    const std::string format = fields.string("encoding_format").value_or("float");
    if (format != "float" && format != "base64")
        throw RequestError::invalid("encoding_format",
                                    "Invalid value for 'encoding_format': expected 'float' or 'base64', but got '" +
                                        format + "'.");
    request.base64 = format == "base64";
    request.dimensions = static_cast<std::size_t>(
        fields.integer("dimensions", 1, limits.embedMaxDimensions).value_or(limits.embedDefaultDimensions));
    fields.string("user");
    return request;
}

} // namespace portico::openai
