// The admin API (served on [admin] listen only, behind the admin key, which onRequest checks):
//
//   POST   /admin/keys        create a virtual key: 201 with its id, its policy and the key,
//                             shown this once (only its SHA-256 digest is stored)
//   GET    /admin/keys        every key's policy, revoked ones included
//   GET    /admin/keys/{id}   one key's policy
//   PATCH  /admin/keys/{id}   change its policy (the fields given; the others stay)
//   DELETE /admin/keys/{id}   revoke it (refused from the next request on this instance, within
//                             [admin] refresh_ms on the others)
//   GET    /admin/spend       the spend ledger: rows per key, model and day, filtered by key_id,
//                             model, from and to (days, YYYY-MM-DD, UTC), with their total
//
// The handlers write SQLite, so they run on worker threads (Blocking::May). Each write rebuilds
// this instance's index before it answers.
#include "AuthPlugin.h"
#include "Money.h"
#include "VirtualKeyAdmin.h"
#include "VirtualKeyJson.h"
#include "portico/Json.h"
#include "Poco/URI.h"

namespace portico::auth {

namespace {

/// Runs `body` with the store, or answers 503 when it could not be opened; a store error while
/// serving is a 503 too (the admin can retry), logged with the reason.
template <typename Body>
void withStore(const std::shared_ptr<VirtualKeys>& keys, Exchange& exchange, Poco::Logger& logger, Body body)
{
    if (!keys)
    {
        exchange.respondError(503, "The key store cannot be opened (see the server log).", "server_error",
                              "key_store_unavailable");
        return;
    }
    try
    {
        VirtualKeyAdmin admin(keys->store());
        body(*keys, admin);
    }
    catch (const PolicyError& e)
    {
        exchange.respondError(400, e.what(), "invalid_request_error", "invalid_policy", e.field());
    }
    catch (const std::exception& e)
    {
        logger.error("admin API " + exchange.method() + " " + exchange.path() + " failed: " + e.what());
        exchange.respondError(503, "The key store failed; nothing was changed unless a retry shows it.",
                              "server_error", "key_store_unavailable");
    }
}

std::int64_t totalPico(const std::vector<SpendRow>& rows)
{
    std::int64_t total = 0;
    for (const auto& row : rows)
        total += row.costPico;
    return total;
}

/// A key's policy and what it spent: spend_usd (all time) and, with a budget, budget_spent_usd
/// (its current period), rounded to the micro-dollar from the exact ledger.
std::string keyWithSpend(const VirtualKey& key, VirtualKeyStore& store)
{
    SpendFilter filter;
    filter.keyId = key.id;
    const auto rows = store.spendRows(filter);
    std::string answer = virtualKeyJson(key);
    answer.pop_back();
    answer += ",\"spend_usd\":" + formatMicros(picoToMicros(totalPico(rows)));
    if (key.budgetMicros)
    {
        const std::string first = periodStart(key.budgetPeriod, unixSeconds());
        std::int64_t period = 0;
        for (const auto& row : rows)
            if (row.day >= first)
                period += row.costPico;
        answer += ",\"budget_spent_usd\":" + formatMicros(picoToMicros(period));
    }
    return answer + "}";
}

bool validDay(const std::string& day)
{
    if (day.size() != 10 || day[4] != '-' || day[7] != '-')
        return false;
    for (std::size_t i = 0; i < day.size(); ++i)
        if (i != 4 && i != 7 && (day[i] < '0' || day[i] > '9'))
            return false;
    return true;
}

/// GET /admin/spend's answer for the query string `query`; throws PolicyError for a bad filter.
std::string spendAnswer(VirtualKeyStore& store, const std::string& query)
{
    SpendFilter filter;
    Poco::URI::QueryParameters parameters;
    try
    {
        parameters = Poco::URI("/?" + query).getQueryParameters();
    }
    catch (const std::exception&)
    {
        throw PolicyError("", "The query string is malformed.");
    }
    for (const auto& [name, value] : parameters)
    {
        if (name == "key_id")
            filter.keyId = value;
        else if (name == "model")
            filter.model = value;
        else if (name == "from" || name == "to")
        {
            if (!validDay(value))
                throw PolicyError(name, name + " must be a day, YYYY-MM-DD (UTC)");
            (name == "from" ? filter.fromDay : filter.toDay) = value;
        }
        else
            throw PolicyError(name, "unknown filter " + name + " (known: key_id, model, from, to)");
    }
    const auto rows = store.spendRows(filter);
    std::string answer = "{\"object\":\"list\",\"data\":[";
    for (std::size_t i = 0; i < rows.size(); ++i)
    {
        const SpendRow& row = rows[i];
        answer += std::string(i ? "," : "") + "{\"key_id\":" + jsonString(row.keyId) + ",\"model\":" +
                  jsonString(row.model) + ",\"day\":" + jsonString(row.day) +
                  ",\"requests\":" + std::to_string(row.requests) +
                  ",\"input_tokens\":" + std::to_string(row.inputTokens) +
                  ",\"cached_input_tokens\":" + std::to_string(row.cachedInputTokens) +
                  ",\"output_tokens\":" + std::to_string(row.outputTokens) +
                  ",\"spend_usd\":" + formatMicros(picoToMicros(row.costPico)) + "}";
    }
    return answer + "],\"total_usd\":" + formatMicros(picoToMicros(totalPico(rows))) + "}";
}

void notFound(Exchange& exchange, const std::string& id)
{
    exchange.respondError(404, "No virtual key with id '" + id + "'.", "invalid_request_error", "key_not_found", "id");
}

} // namespace

void AuthPlugin::addAdminRoutes(PluginContext& context)
{
    auto keys = virtualKeys_;
    Poco::Logger& logger = logger_;
    auto route = [&context](std::string method, std::string pattern, RouteHandler handler) {
        Route route{std::move(method), std::move(pattern), std::move(handler)};
        route.blocking = Blocking::May;
        route.listener = Listener::Admin;
        context.addRoute(std::move(route));
    };

    route("POST", "/admin/keys", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin& admin) {
            const CreatedKey created = admin.create(exchange.body());
            virtualKeys.reload();
            logger.information("admin API: created virtual key " + created.policy.id);
            exchange.respond(201, VirtualKeyAdmin::createdJson(created));
        });
    });
    route("GET", "/admin/keys", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin&) {
            exchange.respond(200, VirtualKeyAdmin::listJson(virtualKeys.store().list()));
        });
    });
    route("GET", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin& admin) {
            const std::string& id = exchange.pathParam("id");
            const auto key = admin.find(id);
            if (!key)
                return notFound(exchange, id);
            exchange.respond(200, keyWithSpend(*key, virtualKeys.store()));
        });
    });
    route("PATCH", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin& admin) {
            const std::string& id = exchange.pathParam("id");
            const auto [refusal, key] = admin.update(id, exchange.body());
            if (refusal == ChangeRefusal::NotFound)
                return notFound(exchange, id);
            if (refusal == ChangeRefusal::Revoked)
                return exchange.respondError(409, "The virtual key '" + id + "' is revoked; create a new one.",
                                             "invalid_request_error", "key_revoked", "id");
            virtualKeys.reload();
            logger.information("admin API: changed the policy of virtual key " + id);
            exchange.respond(200, virtualKeyJson(*key));
        });
    });
    route("DELETE", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin& admin) {
            const std::string& id = exchange.pathParam("id");
            bool changed = false;
            const auto key = admin.revoke(id, changed);
            if (!key)
                return notFound(exchange, id);
            if (changed)
            {
                virtualKeys.reload();
                logger.information("admin API: revoked virtual key " + id);
            }
            exchange.respond(200, virtualKeyJson(*key));
        });
    });
    route("GET", "/admin/spend", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin&) {
            exchange.respond(200, spendAnswer(virtualKeys.store(), exchange.query()));
        });
    });
}

} // namespace portico::auth
