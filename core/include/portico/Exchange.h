#pragma once
/// One request and its answer as it travels through the chain.
///
/// The core builds an Exchange from the HTTP request (with the body already read, bounded by
/// server.max_body_bytes, unless its route streams it: bodyStream()), runs the request hooks, the route's handler, the response-head hooks
/// and the completion hooks over it. Plugins talk to each other through its attributes (the
/// trace id, the principal, token usage; see Attributes.h) and keep their own per-request state
/// in typed slots (StateSlot, from PluginContext::stateSlot()).
///
/// An Exchange is used by one thread at a time; it is not thread-safe. Which thread that is
/// changes as the request travels (the event loop that owns the connection, a worker for
/// plugins that may block), but the core hands it over with a full memory barrier each time.

#include "portico/Api.h"
#include "portico/AttributeKey.h"
#include "portico/HeaderList.h"
#include "portico/Response.h"
#include "portico/Route.h"
#include "portico/StreamWriter.h"
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico {

class BodyStream;
class DeferredAnswer;
class ExchangeHost;
class ExchangeControl;

/// One plugin's per-request state of type T: an index into the Exchange's slots, handed out
/// by PluginContext::stateSlot<T>() when the plugin is created. O(1), no lock, no copy.
template <typename T>
class StateSlot
{
public:
    /// No slot: state() finds nothing, emplaceState() throws. Real slots come from
    /// PluginContext::stateSlot<T>().
    constexpr StateSlot() = default;
    constexpr explicit StateSlot(std::uint32_t index) : index_(index) {}
    constexpr std::uint32_t index() const { return index_; }
    constexpr bool valid() const { return index_ != None; }

private:
    static constexpr std::uint32_t None = 0xffffffffu;
    std::uint32_t index_ = None;
};

class PORTICO_API Exchange
{
public:
    using Clock = std::chrono::steady_clock;
    using TimerId = std::uint64_t;

    /// `target` is the request target as sent ("/v1/models?x=1"); it is split into path and
    /// query here. Plugins' unit tests build exchanges this way too.
    Exchange(std::string method, std::string_view target, HeaderList headers, std::string body,
             std::string clientAddress);
    ~Exchange();

    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    // --- the request --------------------------------------------------------------------
    const std::string& method() const { return method_; }
    /// The path without the query, as sent (percent-encoding kept).
    const std::string& path() const { return path_; }
    /// The raw query string without the '?'; empty when there is none.
    const std::string& query() const { return query_; }
    /// The request's headers in the order they came (names as sent).
    const HeaderList& requestHeaders() const { return requestHeaders_; }
    /// The first value of a request header (case-insensitive name), or `fallback`.
    const std::string& requestHeader(std::string_view name, const std::string& fallback = empty()) const
    {
        return requestHeaders_.get(name, fallback);
    }
    const std::string& body() const { return body_; }
    const std::string& clientAddress() const { return clientAddress_; }
    Clock::time_point startedAt() const { return startedAt_; }

    /// On a route with Route::streamedBody, the body as it arrives (BodyStream.h), and body() is
    /// empty; null on every other route (the body was read whole), and for a request without a
    /// body.
    const std::shared_ptr<BodyStream>& bodyStream() const { return bodyStream_; }

    /// True when the body was over server.max_body_bytes and was not read; the core answers
    /// 413 in place of the handler. Plugins that look at the body should skip it.
    bool bodyTooLarge() const { return bodyTooLarge_; }

    // --- routing (filled in by the core before the request hooks run) --------------------
    /// The matched route's pattern ("/v1/models/{id}"), or empty when no route matched. Use it,
    /// not path(), as a label: it has no ids and no query.
    const std::string& route() const { return route_; }
    /// A `{name}` segment of the matched route, or empty.
    const std::string& pathParam(std::string_view name) const;
    /// The listener the request came in on: Listener::Admin for the admin listener ([admin]
    /// listen), where auth checks the admin key instead of the API keys.
    Listener listener() const { return listener_; }
    /// True when the request came in over TLS (server.tls.*): the scheme the client used is
    /// https. False on plain HTTP, including plain_listen beside a TLS listener.
    bool secure() const { return secure_; }

    // --- threads ----------------------------------------------------------------------------
    /// Asks the core to run this request's completion hooks on a worker thread, where they may
    /// wait (for a write to disk, for Redis). For a plugin that says Blocking::Never because its
    /// hooks wait only for some requests (auth waits for the spend ledger only for virtual keys'
    /// requests that can have usage): the others keep all their hooks on the event loop. Call
    /// it from a request hook; a chain with a Blocking::May plugin completes on workers anyway.
    void completeOnWorker() { completeOnWorker_ = true; }
    bool completesOnWorker() const { return completeOnWorker_; }

    // --- attributes: how plugins pass facts to each other --------------------------------
    /// Sets the attribute. Its value's buffer may be one a finished request on this event loop
    /// left (the core recycles them): a value that fits is copied into it, a larger one moved in.
    void set(const AttributeKey& key, std::string value);
    /// The same, from text the caller keeps: copied into the recycled buffer, so that a plugin
    /// formatting an id into a local array sets it without a malloc. (ABI 6.1)
    void set(const AttributeKey& key, std::string_view value);
    void set(const AttributeKey& key, const char* value) { set(key, std::string_view(value)); }
    /// The attribute's value, or nullptr.
    const std::string* find(const AttributeKey& key) const
    {
        const std::uint32_t id = key.id();
        return id < attributes_.size() && attributes_[id].present ? &attributes_[id].value : nullptr;
    }
    std::string get(const AttributeKey& key, const std::string& fallback = empty()) const
    {
        const std::string* value = find(key);
        return value ? *value : fallback;
    }

    // --- per-request plugin state ---------------------------------------------------------
    /// This request's state in `slot`, or nullptr when none was made.
    template <typename T>
    T* state(StateSlot<T> slot) const
    {
        const std::uint32_t index = slot.index();
        if (index < InlineStateSlots)
            return static_cast<T*>(states_[index].object);
        return index - InlineStateSlots < moreStates_.size()
                   ? static_cast<T*>(moreStates_[index - InlineStateSlots].object)
                   : nullptr;
    }
    /// Makes (or replaces) this request's state in `slot`. It lives until the Exchange ends.
    template <typename T, typename... Args>
    T& emplaceState(StateSlot<T> slot, Args&&... args)
    {
        if (!slot.valid())
            throw std::invalid_argument("emplaceState() with a StateSlot that PluginContext::stateSlot() did not give");
        // In the exchange's own space when it fits (most states are a few dozen bytes): no
        // malloc and free per request for them.
        if (void* place = inlineStateSpace(sizeof(T), alignof(T)))
        {
            T* object = new (place) T(std::forward<Args>(args)...);
            storeState(slot.index(), object, [](void* doomed) { static_cast<T*>(doomed)->~T(); });
            return *object;
        }
        T* object = new T(std::forward<Args>(args)...);
        storeState(slot.index(), object, [](void* doomed) { delete static_cast<T*>(doomed); });
        return *object;
    }

    // --- the answer ----------------------------------------------------------------------
    Response& response() { return response_; }
    const Response& response() const { return response_; }
    bool answered() const { return response_.source != AnswerSource::None; }

    /// A buffered answer. The core sends it after the response-head hooks have run. Called from
    /// a request hook, it stops the walk inwards (short-circuit).
    void respond(int status, std::string body, std::string contentType = "application/json");
    /// An answer in OpenAI's error shape {"error":{"message","type","param","code"}};
    /// empty `param` or `code` become null. On Anthropic's Messages API paths (/v1/messages and
    /// below, portico/Json.h isAnthropicApiPath) it is Anthropic's shape instead,
    /// {"type":"error","error":{"type","message"}} with the type that goes with `status`, plus
    /// a `request-id` header holding the trace id when there is one.
    void respondError(int status, const std::string& message, const std::string& type,
                      const std::string& code, const std::string& param = empty());

    /// Starts a streamed answer (handlers and deferred answers only) and returns its writer;
    /// nothing is sent until the first write. Called again while the stream is open, returns
    /// the same writer.
    StreamWriter& stream(int status = 200, std::string contentType = "text/event-stream");

    /// The answer will be produced later, on the event loop, by `task` (see Deferred.h): call
    /// it and return. From a handler; or from a request hook that answers the request itself,
    /// which stops the walk inwards as respond() does. The Exchange owns the task.
    void defer(std::unique_ptr<DeferredAnswer> task);
    /// True once defer() was called.
    bool deferred() const { return deferred_ != nullptr; }

    /// For deferred answers: runs `callback` on the event loop after `delay`, unless the
    /// exchange has ended by then (its timers are cancelled when it ends). An exception from
    /// the callback fails the exchange like one from the task.
    TimerId after(std::chrono::milliseconds delay, std::function<void()> callback);
    void cancelTimer(TimerId timer);

    static const std::string& empty();

private:
    friend class ExchangeControl;
    class Stream;

    /// The stream writer's state (see ExchangeControl).
    enum class StreamState : std::uint8_t
    {
        None,   ///< stream() was not called
        Open,   ///< writing, or not begun
        Ended,  ///< end() was called
        Failed, ///< fail() was called
        Gone,   ///< a write found the client gone
        Retired ///< the answer was replaced before the stream began
    };

    struct Attribute
    {
        bool present = false;
        std::string value;
    };
    struct StateEntry
    {
        void* object = nullptr;
        void (*destroy)(void*) = nullptr;
    };

    /// The entry for `key`, marked present (the vector grown to every key interned so far).
    Attribute& attributeFor(const AttributeKey& key);
    void storeState(std::uint32_t index, void* object, void (*destroy)(void*));
    /// `size` bytes aligned to `alignment` in stateSpace_, or nullptr when they do not fit.
    void* inlineStateSpace(std::size_t size, std::size_t alignment) noexcept
    {
        if (alignment > alignof(std::max_align_t))
            return nullptr;
        const std::size_t at = (stateSpaceUsed_ + alignment - 1) & ~(alignment - 1);
        if (at + size > sizeof(stateSpace_))
            return nullptr;
        stateSpaceUsed_ = at + size;
        return stateSpace_ + at;
    }

    /// Slots a chain's plugins usually have: their entries live in the Exchange itself.
    static constexpr std::uint32_t InlineStateSlots = 8;

    std::string method_;
    std::string path_;
    std::string query_;
    HeaderList requestHeaders_;
    std::string body_;
    std::string clientAddress_;
    Clock::time_point startedAt_;
    bool bodyTooLarge_ = false;
    std::shared_ptr<BodyStream> bodyStream_;

    std::string route_;
    Listener listener_ = Listener::Api;
    bool secure_ = false; // in the padding after listener_: the members after it keep their offsets
    std::vector<std::pair<std::string, std::string>> pathParams_;
    std::vector<Attribute> attributes_;
    /// Slot i's state: states_[i] for the first InlineStateSlots, moreStates_ after them.
    StateEntry states_[InlineStateSlots];
    std::vector<StateEntry> moreStates_;
    /// Where emplaceState() makes the states that fit (a bump allocator: a replaced state's
    /// bytes are not reused; a state that does not fit goes to the heap). 256 bytes keep the
    /// whole Exchange under glibc's 1,032-byte per-thread cache (tcache) limit: at 512 its own
    /// malloc took the slower path and cost more than the states saved.
    alignas(std::max_align_t) unsigned char stateSpace_[256];
    std::size_t stateSpaceUsed_ = 0;

    Response response_;
    AnswerSource pendingSource_ = AnswerSource::Hook;
    ExchangeHost* host_ = nullptr;
    StreamState streamState_ = StreamState::None;
    std::unique_ptr<Stream> stream_;
    std::unique_ptr<DeferredAnswer> deferred_;
    // ABI 5.1: added last, so that the members a 5.0 plugin's inline accessors read stay where
    // they were.
    bool completeOnWorker_ = false;
};

} // namespace portico
