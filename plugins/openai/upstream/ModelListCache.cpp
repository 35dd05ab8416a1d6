#include "ModelListCache.h"
#include "ModelListFetch.h"
#include <algorithm>

namespace portico::openai {

/// One fetch on one loop and the exchanges waiting for it. Used on that loop's thread only;
/// held by its waiters (the cache's map only points at it).
class ModelListCache::Flight
{
public:
    Flight(ModelListCache& cache, std::thread::id loop) : cache_(cache), loop_(loop) {}

    std::thread::id loop() const { return loop_; }

    /// Adds `waiter`; the first one carries the fetch, on its exchange.
    void join(Waiter& waiter);
    /// `waiter` is gone. When it carried the fetch, the fetch is abandoned and the others start
    /// over.
    void leave(Waiter& waiter);

private:
    void landed(Lists lists, bool complete);

    ModelListCache& cache_;
    const std::thread::id loop_;
    std::vector<Waiter*> waiters_;
    Waiter* carrier_ = nullptr;
    std::unique_ptr<ModelListFetch> fetch_;
    bool over_ = false;
};

/// The deferred answer of one exchange that needs the lists.
class ModelListCache::Waiter final : public DeferredAnswer
{
public:
    Waiter(ModelListCache& cache, Answer answer) : cache_(cache), answer_(std::move(answer)) {}
    ~Waiter() override { leave(); }

    void start(Exchange& exchange) override
    {
        exchange_ = &exchange;
        join();
    }
    void cancel(Exchange&) override { leave(); }

    Exchange& exchange() { return *exchange_; }

    /// Answers from the cache, or joins (or starts) the fetch of this loop.
    void join()
    {
        if (auto lists = cache_.fresh())
            return answer_(*exchange_, *lists);
        flight_ = cache_.flightHere();
        flight_->join(*this);
    }

    /// The fetch has landed. The carrier answers at once (this runs in one of its exchange's
    /// callbacks); the others from a callback of their own exchange, so that the core sees
    /// their answers. The flight is kept until the waiter is destroyed: the fetch must outlive
    /// the callback this runs in.
    void deliver(const std::shared_ptr<const Lists>& lists, bool carrier)
    {
        if (carrier)
            return answer_(*exchange_, *lists);
        try
        {
            exchange_->after(std::chrono::milliseconds(0), [this, lists] { answer_(*exchange_, *lists); });
        }
        catch (const std::exception&)
        {
            // The exchange is over: nobody to answer.
        }
    }

    /// The carrier left before the lists came: join again, from a callback of our own exchange.
    void restart()
    {
        flight_.reset(); // the caller holds the old flight while it runs
        try
        {
            exchange_->after(std::chrono::milliseconds(0), [this] { join(); });
        }
        catch (const std::exception&)
        {
        }
    }

private:
    void leave()
    {
        if (!flight_)
            return;
        const auto flight = std::move(flight_); // alive until leave() has returned
        flight->leave(*this);
    }

    ModelListCache& cache_;
    Answer answer_;
    Exchange* exchange_ = nullptr;
    std::shared_ptr<Flight> flight_;
};

void ModelListCache::Flight::join(Waiter& waiter)
{
    waiters_.push_back(&waiter);
    if (fetch_)
        return;
    carrier_ = &waiter;
    fetch_ = std::make_unique<ModelListFetch>(cache_.targets_);
    fetch_->start(waiter.exchange(), [this](Lists lists, bool complete) { landed(std::move(lists), complete); });
}

void ModelListCache::Flight::leave(Waiter& waiter)
{
    waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), &waiter), waiters_.end());
    if (over_ || carrier_ != &waiter)
        return;
    // The carrier's exchange carried the calls and their timers: the fetch goes with it.
    over_ = true;
    carrier_ = nullptr;
    cache_.forget(*this);
    fetch_.reset(); // abandons the calls still in flight (their connections are closed)
    const auto others = std::move(waiters_);
    waiters_.clear();
    for (Waiter* other : others)
        other->restart();
}

void ModelListCache::Flight::landed(Lists lists, bool complete)
{
    over_ = true;
    cache_.store(lists, complete);
    cache_.forget(*this);
    const auto shared = std::make_shared<const Lists>(std::move(lists));
    const auto waiters = std::move(waiters_);
    waiters_.clear();
    for (Waiter* waiter : waiters)
        waiter->deliver(shared, waiter == carrier_);
}

ModelListCache::ModelListCache(std::vector<const ProxyTarget*> targets) : targets_(std::move(targets)) {}

ModelListCache::~ModelListCache() = default;

std::optional<ModelListCache::Lists> ModelListCache::fresh()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (valid_ && std::chrono::steady_clock::now() < expires_)
        return lists_;
    return std::nullopt;
}

std::unique_ptr<DeferredAnswer> ModelListCache::wait(Answer answer)
{
    return std::make_unique<Waiter>(*this, std::move(answer));
}

void ModelListCache::store(const Lists& lists, bool complete)
{
    std::lock_guard<std::mutex> lock(mutex_);
    lists_ = lists;
    expires_ = std::chrono::steady_clock::now() + (complete ? ListTtl : FallbackTtl);
    valid_ = true;
}

std::shared_ptr<ModelListCache::Flight> ModelListCache::flightHere()
{
    const std::thread::id loop = std::this_thread::get_id();
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = flights_[loop];
    auto flight = slot.lock();
    if (!flight)
    {
        flight = std::make_shared<Flight>(*this, loop);
        slot = flight;
    }
    return flight;
}

void ModelListCache::forget(const Flight& flight)
{
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = flights_.find(flight.loop());
    if (found != flights_.end() && found->second.lock().get() == &flight)
        flights_.erase(found);
}

} // namespace portico::openai
