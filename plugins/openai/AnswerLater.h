#pragma once
/// Where a local handler puts an answer it produces later (a paced stream, a delayed answer):
/// Exchange::defer when the handler answers the request itself, or the model router's attempt
/// (routing/RoutedCall), which is already a deferred answer and runs the task in its place.

#include "portico/Deferred.h"
#include "portico/Exchange.h"
#include <functional>
#include <memory>

namespace portico::openai {

using AnswerLater = std::function<void(std::unique_ptr<DeferredAnswer>)>;

/// Exchange::defer, as an AnswerLater.
inline AnswerLater deferOn(Exchange& exchange)
{
    return [&exchange](std::unique_ptr<DeferredAnswer> task) { exchange.defer(std::move(task)); };
}

} // namespace portico::openai
